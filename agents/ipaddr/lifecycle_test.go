//go:build root

package main

import (
	"net/netip"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

func TestLifecycle(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		prefix int
		label  string
	}{
		{"IPv4, nic and netmask from the route", map[string]string{"ip": "192.0.2.100"}, 24, "eth0"},
		{"IPv4 /32 with label", map[string]string{"ip": "192.0.2.101", "nic": "eth0", "cidr_netmask": "32", "iflabel": "vip"}, 32, "eth0:vip"},
		{"IPv4 dotted netmask, nic:label", map[string]string{"ip": "192.0.2.102", "nic": "eth0:db", "cidr_netmask": "255.255.255.0"}, 24, "eth0:db"},
		{"IPv6, nic and netmask from the route", map[string]string{"ip": "2001:db8::100"}, 64, ""},
		{"IPv6 /128 deprecated", map[string]string{"ip": "2001:db8::101", "nic": "eth0", "cidr_netmask": "128", "preferred_lft": "0"}, 128, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newLAN(t).addNode(t, "192.0.2.1/24", "2001:db8::1/64")
			ip := netip.MustParseAddr(tt.params["ip"])

			n.expect(t, tt.params, step{"probe", ocf.NotRunning, ""}, step{"start", ocf.Success, ""})
			a := n.addr(t, ip)
			if a == nil {
				t.Fatalf("start returned 0 but %s is not on eth0", ip)
			}
			if bits, _ := a.Mask.Size(); bits != tt.prefix || a.Label != tt.label && ip.Is4() {
				t.Errorf("added %s label %q, want prefix %d label %q", a.IPNet, a.Label, tt.prefix, tt.label)
			}
			if tt.params["preferred_lft"] == "0" && a.PreferedLft != 0 {
				t.Errorf("preferred_lft=0 gave a preferred lifetime of %d s", a.PreferedLft)
			}
			n.expect(t, tt.params,
				step{"monitor", ocf.Success, ""},
				step{"probe", ocf.Success, ""},
				step{"start", ocf.Success, ""},
				step{"stop", ocf.Success, ""},
			)
			if n.addr(t, ip) != nil {
				t.Fatalf("stop returned 0 but %s is still on eth0", ip)
			}
			n.expect(t, tt.params,
				step{"stop", ocf.Success, ""},
				step{"monitor", ocf.NotRunning, "ip=" + ip.String()},
				step{"probe", ocf.NotRunning, ""},
			)
		})
	}
}
