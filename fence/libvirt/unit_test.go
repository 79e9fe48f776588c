package main

import (
	"slices"
	"testing"

	"github.com/digitalocean/go-libvirt"

	"github.com/qvd-ha/qvd-ha/fence/fencing"
	"github.com/qvd-ha/qvd-ha/fence/fencing/fencetest"
)

func TestPowerState(t *testing.T) {
	for _, tt := range []struct {
		state libvirt.DomainState
		want  fencing.State
	}{
		{libvirt.DomainNostate, fencing.Unknown},
		{libvirt.DomainRunning, fencing.On},
		{libvirt.DomainBlocked, fencing.On},
		{libvirt.DomainPaused, fencing.On},
		{libvirt.DomainShutdown, fencing.On},
		{libvirt.DomainShutoff, fencing.Off},
		{libvirt.DomainCrashed, fencing.Off},
		{libvirt.DomainPmsuspended, fencing.On},
	} {
		if got := powerState(tt.state); got != tt.want {
			t.Errorf("powerState(%d) = %s, want %s", tt.state, got, tt.want)
		}
	}
}

func TestParseUUID(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"bed6f8d0-b7a5-4e0a-a245-69f05393f44c", true},
		{"bed6f8d0b7a54e0aa24569f05393f44c", true},
		{"bed6f8d0-b7a5-4e0a-a245-69f05393f44", false},
		{"node1", false},
		{"zed6f8d0-b7a5-4e0a-a245-69f05393f44c", false},
	} {
		id, ok := parseUUID(tt.in)
		if ok != tt.ok {
			t.Errorf("parseUUID(%q) ok = %v, want %v", tt.in, ok, tt.ok)
		}
		if ok && formatUUID(id) != "bed6f8d0-b7a5-4e0a-a245-69f05393f44c" {
			t.Errorf("round trip of %q gave %s", tt.in, formatUUID(id))
		}
	}
}

// TestLoadSettings: every option name loadSettings reads is declared, every
// option of the agent's own is read, and the hypervisor comes from
// hypervisor_uri or from fence_virsh's ssh login.
func TestLoadSettings(t *testing.T) {
	tests := []struct {
		name       string
		set        []string
		hypervisor string
		hosts      []string
	}{
		{"default", nil, "qemu:///system", nil},
		{"tcp", []string{"hypervisor_uri=qemu+tcp://10.0.2.2/system"}, "qemu+tcp://10.0.2.2/system", nil},
		{"fence_virsh's login", []string{"ip=aries", "ipport=2222", "login=root", "ssh_insecure=1"}, "qemu+ssh://aries:2222/system", nil},
		{"fence_virsh's login, default port", []string{"ip=aries", "ssh_insecure=1"}, "qemu+ssh://aries:22/system", nil},
		{"hostlist", []string{"hostlist=node1:vm1 node2"}, "qemu:///system", []string{"node1", "node2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fencetest.Decodes(t, agent, loadSettings, tt.set...)
			if s.hypervisor == nil || s.hypervisor.String() != tt.hypervisor {
				t.Errorf("hypervisor %v, want %s", s.hypervisor, tt.hypervisor)
			}
			if s.dialer == nil {
				t.Error("no dialer")
			}
			if !slices.Equal(s.order, tt.hosts) {
				t.Errorf("hostlist order %q, want %q", s.order, tt.hosts)
			}
		})
	}
}
