//go:build root

package main

import (
	"net/netip"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// TestNetworkNamespace runs the agent from another namespace with
// network_namespace naming the node's: the address comes and goes there,
// and the agent's own namespace is left alone.
func TestNetworkNamespace(t *testing.T) {
	for _, vip := range []string{"192.0.2.100", "2001:db8::100"} {
		t.Run(vip, func(t *testing.T) {
			n := newLAN(t).addNode(t, "192.0.2.1/24", "2001:db8::1/64")
			outside := newNS(t)
			ip := netip.MustParseAddr(vip)
			params := map[string]string{"ip": vip, "network_namespace": n.name, "arp_count": "2", "arp_interval": "50"}

			outside.expect(t, params,
				step{"validate-all", ocf.Success, ""},
				step{"probe", ocf.NotRunning, ""},
				step{"start", ocf.Success, ""},
			)
			if n.addr(t, ip) == nil {
				t.Fatalf("start returned 0 but %s is not on eth0 of %s", ip, n.name)
			}
			outside.expect(t, params, step{"monitor", ocf.Success, ""}, step{"stop", ocf.Success, ""})
			if n.addr(t, ip) != nil {
				t.Fatalf("stop returned 0 but %s is still on eth0 of %s", ip, n.name)
			}
			outside.expect(t, params, step{"monitor", ocf.NotRunning, "ip=" + vip})
			// The same from the installed form: a process whose main
			// thread switches.
			if rc, reason := outside.runBin(t, "start", params); rc != ocf.Success || n.addr(t, ip) == nil {
				t.Fatalf("the built agent's start returned %v (%s), address on eth0 of %s: %v", rc, reason, n.name, n.addr(t, ip) != nil)
			}
			if rc, reason := outside.runBin(t, "stop", params); rc != ocf.Success || n.addr(t, ip) != nil {
				t.Fatalf("the built agent's stop returned %v (%s), address still on eth0 of %s: %v", rc, reason, n.name, n.addr(t, ip) != nil)
			}
			// The agent came back to its own namespace after each action:
			// there the address has no route, so it cannot start.
			outside.expect(t, map[string]string{"ip": vip}, step{"start", ocf.ErrInstalled, "no connected route"})
		})
	}
}

// TestNetworkNamespaceMissing: a namespace that does not exist on this node
// is a problem of this node only, like a missing interface; a configuration
// error still comes first.
func TestNetworkNamespaceMissing(t *testing.T) {
	n := newLAN(t).addNode(t, "192.0.2.1/24")
	params := map[string]string{"ip": "192.0.2.100", "network_namespace": "qvd-no-such-ns"}
	n.expect(t, params,
		step{"validate-all", ocf.ErrInstalled, "network_namespace=qvd-no-such-ns: no such network namespace"},
		step{"start", ocf.ErrInstalled, "no such network namespace"},
		step{"probe", ocf.NotRunning, ""},
		step{"monitor", ocf.NotRunning, "no such network namespace"},
		step{"stop", ocf.Success, ""},
	)
	bad := map[string]string{"ip": "192.0.2.300", "network_namespace": "qvd-no-such-ns"}
	n.expect(t, bad, step{"validate-all", ocf.ErrConfigured, "parameter ip="}, step{"stop", ocf.ErrConfigured, "parameter ip="})
	n.expect(t, map[string]string{"ip": "192.0.2.100", "network_namespace": "../etc"}, step{"validate-all", ocf.ErrConfigured, "parameter network_namespace="})
}
