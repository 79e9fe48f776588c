package main

import (
	"testing"

	"github.com/digitalocean/go-libvirt"

	"github.com/qvd-ha/qvd-ha/fence/fencing"
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
