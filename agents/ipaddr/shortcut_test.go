//go:build root

package main

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"golang.org/x/sys/unix"
)

// TestStopEndsLocalShortcut is why flush_routes is ignored: a program on
// the node that sent to the address while it was local has the loopback
// route cached in its socket; after stop its next datagram goes out on the
// link (the node asks its neighbours for the address) instead of reaching
// the local listener. The kernel invalidated the cached route by itself.
func TestStopEndsLocalShortcut(t *testing.T) {
	tests := []struct{ vip, own string }{
		{"192.0.2.100", "192.0.2.1/24"},
		{"2001:db8::100", "2001:db8::1/64"},
	}
	for _, tt := range tests {
		t.Run(tt.vip, func(t *testing.T) {
			n := newLAN(t).addNode(t, tt.own)
			vip := netip.MustParseAddr(tt.vip)
			params := map[string]string{"ip": tt.vip, "flush_routes": "true", "arp_count": "1", "nodad": "true"}
			if vip.Is4() {
				delete(params, "nodad")
			}
			n.expect(t, params, step{"start", ocf.Success, ""})
			// connect caches the route it finds, so a successful start
			// must have left the local one in place (IPv6 inserts it
			// late, and at once after start without nodad's DAD wait).
			if routes, err := n.nl.RouteGet(vip.AsSlice()); err != nil || len(routes) == 0 || routes[0].Type != unix.RTN_LOCAL {
				t.Fatalf("after start %s routes %s as %+v (%v), not to itself", n.name, vip, routes, err)
			}

			var server, client *net.UDPConn
			var err error
			n.do(t, func() {
				// A wildcard listener, which would take a datagram that
				// still arrived through loopback.
				if server, err = net.ListenUDP("udp", &net.UDPAddr{}); err != nil {
					return
				}
				port := server.LocalAddr().(*net.UDPAddr).Port
				client, err = net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(vip, uint16(port))))
			})
			if err != nil {
				t.Fatalf("UDP sockets in %s: %v", n.name, err)
			}
			t.Cleanup(func() { server.Close(); client.Close() })
			send(t, client, "before stop")
			if got := receive(t, server, 5*time.Second); got != "before stop" {
				t.Fatalf("the local listener got %q through the address, want the datagram sent before stop", got)
			}

			capture := listen(t, n)
			n.expect(t, params, step{"stop", ocf.Success, ""})
			send(t, client, "after stop")
			asked := false
			capture.collect(t, 5*time.Second, func(fs []frame) bool {
				for _, f := range fs {
					x, ok := parseFrame(f.data)
					if ok && f.outgoing && (x.op == arpRequest && x.tpa == vip || x.icmpType == 135 && x.target == vip) {
						asked = true
					}
				}
				return asked
			})
			if !asked {
				t.Fatalf("after stop the datagram to %s did not go out on eth0: the socket kept the loopback route", vip)
			}
			if got := receive(t, server, 0); got != "" {
				t.Fatalf("after stop the local listener still got %q through the address", got)
			}
		})
	}
}

func send(t *testing.T, c *net.UDPConn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("sending %q: %v", msg, err)
	}
}

// receive returns the next datagram within wait, or "" when none came.
func receive(t *testing.T, c *net.UDPConn, wait time.Duration) string {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(wait)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return ""
	}
	if err != nil {
		t.Fatalf("receiving: %v", err)
	}
	return string(buf[:n])
}
