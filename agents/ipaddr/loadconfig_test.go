package main

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/agents/ocf/ocftest"
)

func TestLoadConfig(t *testing.T) {
	v4 := netip.MustParseAddr("192.0.2.100")
	tests := []struct {
		name string
		set  []string
		want config
	}{
		{"defaults", []string{"ip=192.0.2.100"}, config{ip: v4, arpCount: 5, arpInterval: 200 * time.Millisecond, forever: true, checkLink: true}},
		{"IPv4, everything set", []string{"ip=192.0.2.100", "cidr_netmask=255.255.255.0", "nic=eth0:db", "iflabel=vip",
			"broadcast=+", "arp_count=3", "arp_interval=100", "arp_count_refresh=2", "send_arp_opts=-U -A -q", "run_arping=true",
			"check_link_status=false", "noprefixroute=yes", "network_namespace=node1", "arp_sender=iputils_arping", "arp_mac=ff:ff:ff:ff:ff:ff"},
			config{ip: v4, prefix: 24, nic: "eth0", label: "db", broadcast: "+", arpCount: 3, arpInterval: 100 * time.Millisecond,
				arpRefresh: 2, arpReply: true, probe: true, forever: true, noprefixroute: true, namespace: "node1"}},
		{"the last of -A and -U counts", []string{"ip=192.0.2.100", "send_arp_opts=-A -U"},
			config{ip: v4, arpCount: 5, arpInterval: 200 * time.Millisecond, forever: true, checkLink: true}},
		{"IPv6 deprecated without DAD", []string{"ip=2001:db8::100", "cidr_netmask=64", "preferred_lft=0", "nodad=true"},
			config{ip: netip.MustParseAddr("2001:db8::100"), prefix: 64, arpCount: 5, arpInterval: 200 * time.Millisecond, nodad: true, checkLink: true}},
		{"IPv6 link-local on nic", []string{"ip=fe80::100", "nic=eth0", "preferred_lft=3600"},
			config{ip: netip.MustParseAddr("fe80::100"), nic: "eth0", arpCount: 5, arpInterval: 200 * time.Millisecond, preferredLft: 3600, checkLink: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ocftest.Decodes(t, agent, loadConfig, tt.set...)
			if got == nil || *got != tt.want {
				t.Errorf("loadConfig:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestLoadConfigRefuses: loadConfig reports what the declarations' checks
// refuse, should one ever let a value through, instead of dropping the
// parse error; and it makes the checks that span parameters.
func TestLoadConfigRefuses(t *testing.T) {
	tests := []struct {
		values map[string]string
		reason string
	}{
		{map[string]string{"ip": "192.0.2.300"}, "parameter ip="},
		{map[string]string{"ip": "192.0.2.100", "send_arp_opts": "-c 3"}, "parameter send_arp_opts="},
		{map[string]string{"ip": "2001:db8::100", "preferred_lft": "4294967295"}, "parameter preferred_lft="},
		{map[string]string{"ip": "192.0.2.100", "arp_sender": "arping2"}, "parameter arp_sender="},
		{map[string]string{"ip": "192.0.2.100", "arp_mac": "00:11:22:33:44:55"}, "parameter arp_mac="},
		{map[string]string{"ip": "192.0.2.100", "cidr_netmask": "0"}, "parameter cidr_netmask="},
		{map[string]string{"ip": "192.0.2.100", "cidr_netmask": "33"}, "parameter cidr_netmask=33 is out of range"},
		{map[string]string{"ip": "2001:db8::100", "cidr_netmask": "255.255.255.0"}, "parameter cidr_netmask=255.255.255.0 is a dotted netmask"},
		{map[string]string{"ip": "2001:db8::100", "broadcast": "+"}, "parameter broadcast applies to IPv4 only"},
		{map[string]string{"ip": "2001:db8::100", "iflabel": "vip"}, "parameter iflabel applies to IPv4 only"},
		{map[string]string{"ip": "2001:db8::100", "nic": "eth0:vip"}, "parameter nic=eth0:vip carries a label"},
		{map[string]string{"ip": "fe80::100"}, "parameter nic is required"},
		{map[string]string{"ip": "192.0.2.100", "nic": "eth0", "iflabel": "averylonglabel"}, "parameter iflabel: the label"},
		{map[string]string{"ip": "192.0.2.100", "lvs_support": "true"}, "parameter lvs_support=true"},
		{map[string]string{"ip": "192.0.2.100", "unique_clone_address": "yes"}, "parameter unique_clone_address=true"},
	}
	for _, tt := range tests {
		params, _ := ocf.NewTrial(agent.Params, tt.values)
		_, err := loadConfig(params)
		var e *ocf.Error
		if !errors.As(err, &e) || e.RC != ocf.ErrConfigured || !strings.Contains(e.Reason, tt.reason) {
			t.Errorf("loadConfig with %v: error %v, want rc %v with a reason containing %q", tt.values, err, ocf.ErrConfigured, tt.reason)
		}
	}
}
