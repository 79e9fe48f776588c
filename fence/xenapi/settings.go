package main

import (
	"errors"

	"github.com/qvd-ha/qvd-ha/fence/fencing"
)

// settings is fence_qvd_xenapi's options, read once by loadSettings.
type settings struct {
	sessionURL string // with the https:// the runbook may leave out
	username   string
	password   string // resolved by the runtime; empty in validate-all
	caFile     string
	insecure   bool
	hosts      map[string]string
	order      []string // hostlist order, for list
}

// loadSettings reads every option the agent uses before it judges any, so
// that fencetest.Decodes sees every name, then checks them in the order
// validate-all has always reported: session_url, username, hostlist.
func loadSettings(o *fencing.Options) (settings, error) {
	s := settings{
		username: o.String(fencing.Username.Name),
		password: o.Password(),
		caFile:   o.String(optCAFile.Name),
		insecure: o.Bool(fencing.SSLInsecure.Name),
	}
	rawURL, hostlist := o.String(optSessionURL.Name), o.String(optHostlist.Name)
	var err error
	if s.sessionURL, err = sessionURL(rawURL); err != nil {
		return s, err
	}
	if s.username == "" {
		return s, errors.New("username (login) is required")
	}
	s.hosts, s.order, err = fencing.ParseHostlist(hostlist)
	return s, err
}
