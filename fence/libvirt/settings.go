package main

import (
	"net/url"

	"github.com/digitalocean/go-libvirt/socket"

	"github.com/qvd-ha/qvd-ha/fence/fencing"
)

// settings is fence_qvd_libvirt's options, read once by loadSettings: the
// option values, then the hypervisor, the dialer and the hostlist made
// from them.
type settings struct {
	uri          string
	uriSet       bool
	ip           string // fence_virsh's ssh login, instead of uri
	ipPort       string
	ipPortSet    bool
	ssh          bool
	username     string
	password     string // resolved by the runtime; empty in validate-all
	identityFile string
	knownHosts   string
	pkiPath      string
	sshInsecure  bool
	sslInsecure  bool
	hostlist     string

	hypervisor *url.URL
	dialer     socket.Dialer
	hosts      map[string]string
	order      []string // hostlist order, for list
}

// loadSettings reads every option the agent uses before it judges any, so
// that fencetest.Decodes sees every name, then checks them in the order
// validate-all has always reported: the hypervisor, its dialer, hostlist.
func loadSettings(o *fencing.Options) (settings, error) {
	s := settings{
		uri:          o.String(optURI.Name),
		uriSet:       o.IsSet(optURI.Name),
		ip:           o.String(optIP.Name),
		ipPort:       o.String(optIPPort.Name),
		ipPortSet:    o.IsSet(optIPPort.Name),
		ssh:          o.Bool(optSSH.Name),
		username:     o.String(fencing.Username.Name),
		password:     o.Password(),
		identityFile: o.String(fencing.IdentityFile.Name),
		knownHosts:   o.String(optKnownHosts.Name),
		pkiPath:      o.String(optPKIPath.Name),
		sshInsecure:  o.Bool(optSSHInsecure.Name),
		sslInsecure:  o.Bool(fencing.SSLInsecure.Name),
		hostlist:     o.String(optHostlist.Name),
	}
	var err error
	if s.hypervisor, err = hypervisorURL(s); err != nil {
		return s, err
	}
	if s.dialer, err = dialerFor(s.hypervisor, s); err != nil {
		return s, err
	}
	s.hosts, s.order, err = fencing.ParseHostlist(s.hostlist)
	return s, err
}
