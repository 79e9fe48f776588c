package main

import (
	"slices"
	"testing"

	"github.com/qvd-ha/qvd-ha/fence/fencing/fencetest"
)

// TestLoadSettings: every option name loadSettings reads is declared, every
// option of the agent's own is read, and session_url gets the scheme the
// runbook may leave out.
func TestLoadSettings(t *testing.T) {
	tests := []struct {
		name       string
		set        []string
		sessionURL string
		hosts      []string
	}{
		{"full URL", []string{"session_url=https://aries", "login=root"}, "https://aries", nil},
		{"host only", []string{"session_url=aries:8443", "username=root"}, "https://aries:8443", nil},
		{"plain http", []string{"session_url=http://10.0.0.1", "username=root"}, "http://10.0.0.1", nil},
		{"hostlist", []string{"session_url=aries", "username=root", "hostlist=node1:vm1 node2"}, "https://aries", []string{"node1", "node2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fencetest.Decodes(t, agent, loadSettings, tt.set...)
			if s.sessionURL != tt.sessionURL || s.username != "root" {
				t.Errorf("session_url %q username %q, want %q root", s.sessionURL, s.username, tt.sessionURL)
			}
			if !slices.Equal(s.order, tt.hosts) {
				t.Errorf("hostlist order %q, want %q", s.order, tt.hosts)
			}
		})
	}
}
