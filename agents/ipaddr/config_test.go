//go:build root

package main

import (
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// TestMisconfigured: input that is wrong on every node is 6 from every
// action, and the reason names the parameter.
func TestMisconfigured(t *testing.T) {
	tests := []struct {
		params map[string]string
		names  string
	}{
		{map[string]string{}, "ip"},
		{map[string]string{"ip": "192.0.2.300"}, "ip"},
		{map[string]string{"ip": "db.example.com"}, "ip"},
		{map[string]string{"ip": "192.0.2.100/24"}, "ip"},
		{map[string]string{"ip": "2001:db8::100%eth0"}, "ip"},
		{map[string]string{"ip": "::ffff:192.0.2.100"}, "ip"},
		{map[string]string{"ip": "224.0.0.1"}, "ip"},
		{map[string]string{"ip": "192.0.2.100", "cidr_netmask": "33"}, "cidr_netmask"},
		{map[string]string{"ip": "2001:db8::100", "cidr_netmask": "129"}, "cidr_netmask"},
		{map[string]string{"ip": "192.0.2.100", "cidr_netmask": "0"}, "cidr_netmask"},
		{map[string]string{"ip": "192.0.2.100", "cidr_netmask": "255.0.255.0"}, "cidr_netmask"},
		{map[string]string{"ip": "2001:db8::100", "cidr_netmask": "255.255.255.0"}, "cidr_netmask"},
		{map[string]string{"ip": "192.0.2.100", "broadcast": "everyone"}, "broadcast"},
		{map[string]string{"ip": "2001:db8::100", "broadcast": "+"}, "broadcast"},
		{map[string]string{"ip": "2001:db8::100", "iflabel": "vip"}, "iflabel"},
		{map[string]string{"ip": "2001:db8::100", "nic": "eth0:vip"}, "nic"},
		{map[string]string{"ip": "fe80::100"}, "nic"},
		{map[string]string{"ip": "192.0.2.100", "nic": "eth0", "iflabel": "averylonglabel"}, "iflabel"},
		{map[string]string{"ip": "192.0.2.100", "nic": "a/b"}, "nic"},
		{map[string]string{"ip": "192.0.2.100", "arp_count": "0"}, "arp_count"},
		{map[string]string{"ip": "192.0.2.100", "arp_interval": "fast"}, "arp_interval"},
		{map[string]string{"ip": "192.0.2.100", "arp_count_refresh": "-1"}, "arp_count_refresh"},
		{map[string]string{"ip": "2001:db8::100", "preferred_lft": "4294967295"}, "preferred_lft"},
		{map[string]string{"ip": "2001:db8::100", "nodad": "maybe"}, "nodad"},
	}
	n := newLAN(t).addNode(t, "192.0.2.1/24", "2001:db8::1/64")
	for _, tt := range tests {
		for _, action := range []string{"validate-all", "start", "probe", "stop"} {
			rc, reason := n.run(t, action, tt.params)
			if rc != ocf.ErrConfigured || !mentions(reason, tt.names) {
				t.Errorf("%s with %v: rc %v reason %q, want %v naming parameter %s", action, tt.params, rc, reason, ocf.ErrConfigured, tt.names)
			}
		}
	}
}

func mentions(reason, param string) bool {
	return strings.Contains(reason, "parameter "+param) || strings.Contains(reason, param+"=")
}

// TestMissingHere: what is missing on this node (an interface, a connected
// route) bans the resource from this node only; a probe says not running
// and a stop has nothing to do.
func TestMissingHere(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		names  string
		// monitor is the recurring monitor's reason; it needs no prefix
		// length, so it only looks for the address on nic.
		monitor string
	}{
		{"nic missing", map[string]string{"ip": "192.0.2.100", "nic": "nosuch0"}, "nic=nosuch0", "nic=nosuch0"},
		{"no connected route", map[string]string{"ip": "198.51.100.100"}, "parameter nic", "parameter nic"},
		{"no connected route on nic", map[string]string{"ip": "2001:db8:1::100", "nic": "eth0"}, "parameter cidr_netmask", "is not on nic=eth0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newLAN(t).addNode(t, "192.0.2.1/24", "2001:db8::1/64")
			n.expect(t, tt.params,
				step{"validate-all", ocf.ErrInstalled, tt.names},
				step{"start", ocf.ErrInstalled, tt.names},
				step{"probe", ocf.NotRunning, ""},
				step{"monitor", ocf.NotRunning, tt.monitor},
				step{"stop", ocf.Success, ""},
			)
		})
	}
}
