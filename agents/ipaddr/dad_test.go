//go:build root

package main

import (
	"net/netip"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// TestDADConflict: the address is already in use by another namespace on
// the link, so B's start fails with a reason and leaves no address behind.
func TestDADConflict(t *testing.T) {
	l := newLAN(t)
	const vip = "2001:db8::100"
	other := l.addNode(t, "2001:db8::1/64", vip+"/64")
	if other.addr(t, netip.MustParseAddr(vip)) == nil {
		t.Fatal("the other node does not hold the address")
	}
	b := l.addNode(t, "2001:db8::2/64")
	params := map[string]string{"ip": vip}

	b.expect(t, params,
		step{"start", ocf.ErrGeneric, "duplicate address detection failed"},
		step{"monitor", ocf.NotRunning, "ip=" + vip},
	)
	if a := b.addr(t, netip.MustParseAddr(vip)); a != nil {
		t.Fatalf("the failed start left %s (flags %#x) on eth0", a.IPNet, a.Flags)
	}
}

// TestARPProbe: with run_arping, an IPv4 start first asks the link; when
// another node holds the address the start fails naming it and adds
// nothing, and a free address starts.
func TestARPProbe(t *testing.T) {
	l := newLAN(t)
	other := l.addNode(t, "192.0.2.1/24", "192.0.2.100/24")
	b := l.addNode(t, "192.0.2.2/24")

	taken := map[string]string{"ip": "192.0.2.100", "run_arping": "true"}
	b.expect(t, taken, step{"start", ocf.ErrGeneric, "in use by " + other.mac(t).String()})
	if a := b.addr(t, netip.MustParseAddr("192.0.2.100")); a != nil {
		t.Fatalf("the refused start added %s", a.IPNet)
	}

	free := map[string]string{"ip": "192.0.2.101", "run_arping": "true"}
	b.expect(t, free, step{"start", ocf.Success, ""}, step{"monitor", ocf.Success, ""}, step{"stop", ocf.Success, ""})
}
