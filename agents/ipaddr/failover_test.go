//go:build root

package main

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/vishvananda/netlink"
)

// TestFailover moves the address from node A to node B and shows that the
// client's neighbour entry follows because of B's announcements alone: the
// client sends nothing between the move and the check.
func TestFailover(t *testing.T) {
	tests := []struct {
		name    string
		vip     string
		prefix  string
		sendOpt string // send_arp_opts
		arpOp   uint16 // IPv4: the ARP operation announcements use
	}{
		{"IPv4", "192.0.2.100", "/24", "", arpRequest},
		{"IPv4 with ARP replies", "192.0.2.100", "/24", "-A", arpReply},
		{"IPv6", "2001:db8::100", "/64", "", 0},
	}
	const count = 3
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vip := netip.MustParseAddr(tt.vip)
			base := "192.0.2."
			if vip.Is6() {
				base = "2001:db8::"
			}
			l := newLAN(t)
			a := l.addNode(t, base+"1"+tt.prefix)
			b := l.addNode(t, base+"2"+tt.prefix)
			client := l.addNode(t, base+"3"+tt.prefix)
			params := map[string]string{"ip": tt.vip, "arp_count": "3", "arp_interval": "100", "send_arp_opts": tt.sendOpt}

			a.expect(t, params, step{"start", ocf.Success, ""})
			client.learn(t, vip, a.mac(t))

			capture := listen(t, client)
			a.expect(t, params, step{"stop", ocf.Success, ""})
			b.expect(t, params, step{"start", ocf.Success, ""})

			bMAC := b.mac(t)
			isAnnouncement := func(x announcement) bool {
				if vip.Is4() {
					return x.op == tt.arpOp && x.spa == vip && x.tpa == vip
				}
				return x.icmpType == 136 && x.target == vip
			}
			var got []announcement
			frames := capture.collect(t, 5*time.Second, func(fs []frame) bool {
				got = got[:0]
				for _, f := range fs {
					if x, ok := parseFrame(f.data); ok && !f.outgoing && isAnnouncement(x) {
						got = append(got, x)
					}
				}
				return len(got) >= count
			})
			if len(got) != count {
				t.Fatalf("the client captured %d announcements of %s, want %d", len(got), vip, count)
			}
			for i, x := range got {
				if !bytes.Equal(x.ethSrc, bMAC) {
					t.Errorf("announcement %d: Ethernet source %s, want B's %s", i, x.ethSrc, bMAC)
				}
				if vip.Is4() && !bytes.Equal(x.sha, bMAC) {
					t.Errorf("ARP %d: sender hardware address %s, want B's %s", i, x.sha, bMAC)
				}
				if tt.arpOp == arpReply && !bytes.Equal(x.tha, bMAC) {
					t.Errorf("ARP reply %d: target hardware address %s, want B's %s (a gratuitous reply)", i, x.tha, bMAC)
				}
				if vip.Is6() {
					if x.flags&naOverride == 0 || x.flags&0xc0 != 0 {
						t.Errorf("NA %d: flags %#x, want Override only", i, x.flags)
					}
					if x.dst != allNodes || x.hopLimit != 255 || !bytes.Equal(x.tlla, bMAC) {
						t.Errorf("NA %d: to %s hop limit %d target link-layer address %s, want ff02::1, 255, %s", i, x.dst, x.hopLimit, x.tlla, bMAC)
					}
				}
			}
			for _, f := range frames {
				if x, ok := parseFrame(f.data); ok && f.outgoing && (x.tpa == vip || x.target == vip) {
					t.Fatalf("the client itself asked for %s during the move (%+v): the test proves nothing", vip, x)
				}
			}
			if mac := client.neighbour(t, vip); !bytes.Equal(mac, bMAC) {
				t.Fatalf("the client's neighbour entry for %s is %s, want B's %s", vip, mac, bMAC)
			}
		})
	}
}

// learn makes the client resolve vip through ordinary traffic and waits
// until its neighbour table holds want for it.
func (n *node) learn(t *testing.T, vip netip.Addr, want net.HardwareAddr) {
	t.Helper()
	n.do(t, func() {
		c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(vip, 9)))
		if err != nil {
			t.Fatalf("client socket: %v", err)
		}
		defer c.Close()
		if _, err := c.Write([]byte("who has it")); err != nil {
			t.Fatalf("client datagram to %s: %v", vip, err)
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for mac := n.neighbour(t, vip); !bytes.Equal(mac, want); mac = n.neighbour(t, vip) {
		if time.Now().After(deadline) {
			t.Fatalf("the client's neighbour entry for %s is %s, want A's %s", vip, mac, want)
		}
		time.Sleep(10 * time.Millisecond) // polling the neighbour table
	}
}

// neighbour is the link-layer address the node's neighbour table holds for
// ip, read through netlink (which sends nothing on the link).
func (n *node) neighbour(t testing.TB, ip netip.Addr) net.HardwareAddr {
	t.Helper()
	neighs, err := n.nl.NeighList(n.link(t).Attrs().Index, familyOf(ip))
	if err != nil {
		t.Fatalf("neighbour table of %s: %v", n.name, err)
	}
	for _, ne := range neighs {
		if a, _ := netip.AddrFromSlice(ne.IP); a.Unmap() == ip && ne.State&(netlink.NUD_INCOMPLETE|netlink.NUD_FAILED) == 0 {
			return ne.HardwareAddr
		}
	}
	return nil
}
