//go:build root

package main

import (
	"net"
	"net/netip"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/vishvananda/netlink"
)

// TestLinkStatus: with check_link_status the monitor reports an interface
// that is down, or has lost its carrier, as not running.
func TestLinkStatus(t *testing.T) {
	tests := []struct {
		name      string
		params    map[string]string
		breakLink func(t *testing.T, n *node) error
		rc        ocf.RC
		reason    string
	}{
		// Without nic, an interface set down takes its connected route
		// along, which is what the reason then says.
		{"IPv4, interface down", map[string]string{"ip": "192.0.2.100"}, setDown, ocf.NotRunning, "ip=192.0.2.100"},
		{"IPv4 on nic, interface down", map[string]string{"ip": "192.0.2.100", "nic": "eth0"}, setDown, ocf.NotRunning, "nic=eth0 of ip=192.0.2.100 is down"},
		{"IPv4, carrier lost", map[string]string{"ip": "192.0.2.100"}, cutCable, ocf.NotRunning, "nic=eth0 of ip=192.0.2.100 is down"},
		{"IPv6, carrier lost", map[string]string{"ip": "2001:db8::100", "nodad": "true"}, cutCable, ocf.NotRunning, "nic=eth0 of ip=2001:db8::100 is down"},
		{"IPv4, carrier lost, check_link_status=false", map[string]string{"ip": "192.0.2.100", "check_link_status": "false"}, cutCable, ocf.Success, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newLAN(t).addNode(t, "192.0.2.1/24", "2001:db8::1/64")
			tt.params["arp_count"] = "1"
			n.expect(t, tt.params, step{"start", ocf.Success, ""}, step{"monitor", ocf.Success, ""})
			if err := tt.breakLink(t, n); err != nil {
				t.Fatal(err)
			}
			n.expect(t, tt.params, step{"monitor", tt.rc, tt.reason})
		})
	}
}

func setDown(t *testing.T, n *node) error { return n.nl.LinkSetDown(n.link(t)) }

// cutCable sets the bridge's end of the veth down, as a pulled cable
// would: eth0 stays up and loses its carrier.
func cutCable(t *testing.T, n *node) error {
	port, err := n.lan.ns.nl.LinkByName(n.port)
	if err != nil {
		return err
	}
	if err := n.lan.ns.nl.LinkSetDown(port); err != nil {
		return err
	}
	if l := n.link(t); l.Attrs().Flags&net.FlagUp == 0 || l.Attrs().OperState == netlink.OperUp {
		t.Fatalf("eth0 has flags %v and state %s after cutting the cable, want up without carrier", l.Attrs().Flags, l.Attrs().OperState)
	}
	return nil
}

// TestStartWithoutCarrier: the start waits for the carrier only until its
// deadline, then fails with a reason and removes the address.
func TestStartWithoutCarrier(t *testing.T) {
	n := newLAN(t).addNode(t, "192.0.2.1/24")
	if err := cutCable(t, n); err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"ip": "192.0.2.100", "CRM_meta_timeout": "1500"}
	n.expect(t, params, step{"start", ocf.ErrGeneric, "nic=eth0 did not come up"})
	if a := n.addr(t, netip.MustParseAddr("192.0.2.100")); a != nil {
		t.Fatalf("the failed start left %s on eth0", a.IPNet)
	}
}
