//go:build root

package main

import (
	"net/netip"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// TestUpstreamParams: a configuration of IPaddr2 switched to ocf:qvd:IPaddr
// loads, whatever IPaddr2 parameters it sets: validate-all answers each
// row of upstreamValues as it says, and all of them at once start and stop
// the address.
func TestUpstreamParams(t *testing.T) {
	n := newLAN(t).addNode(t, "192.0.2.1/24")
	value := func(v string) string {
		if v == ownNamespace {
			return n.name
		}
		return v
	}
	base := map[string]string{"ip": "192.0.2.100"}
	for _, tt := range upstreamValues {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			p := map[string]string{"ip": base["ip"], tt.name: value(tt.value)}
			n.expect(t, p, step{"validate-all", tt.rc, tt.reason})
		})
	}

	// All at once, the first accepted value of each: the address also
	// starts and stops with them.
	all := map[string]string{}
	for _, v := range upstreamValues {
		if _, ok := all[v.name]; !ok && v.rc == ocf.Success {
			all[v.name] = value(v.value)
		}
	}
	n.expect(t, all, step{"validate-all", ocf.Success, ""}, step{"start", ocf.Success, ""}, step{"monitor", ocf.Success, ""})
	if n.addr(t, netip.MustParseAddr("192.0.2.100")) == nil {
		t.Fatal("start with every IPaddr2 parameter set returned 0, but the address is not on eth0")
	}
	n.expect(t, all, step{"stop", ocf.Success, ""}, step{"probe", ocf.NotRunning, ""})
}

// TestClone: as a clone, every instance would add the same address on its
// node, so start and validate-all refuse; stop and monitor still work, so
// that such a clone can be cleaned up.
func TestClone(t *testing.T) {
	tests := []struct {
		cloneMax string
		rc       ocf.RC
		reason   string
	}{
		{"1", ocf.Success, ""},
		{"2", ocf.ErrConfigured, "cannot run as a clone (clone-max=2)"},
		{"0", ocf.ErrConfigured, "clone-max=\"0\" is not a positive integer"},
		{"many", ocf.ErrConfigured, "clone-max=\"many\" is not a positive integer"},
	}
	n := newLAN(t).addNode(t, "192.0.2.1/24")
	for _, tt := range tests {
		t.Run("clone-max="+tt.cloneMax, func(t *testing.T) {
			p := map[string]string{"ip": "192.0.2.100", "CRM_meta_clone_max": tt.cloneMax, "CRM_meta_clone": "0"}
			n.expect(t, p, step{"validate-all", tt.rc, tt.reason}, step{"start", tt.rc, tt.reason})
			if tt.rc != ocf.Success && n.addr(t, netip.MustParseAddr("192.0.2.100")) != nil {
				t.Fatal("the refused start added the address")
			}
			n.expect(t, p, step{"stop", ocf.Success, ""}, step{"probe", ocf.NotRunning, ""})
		})
	}
}
