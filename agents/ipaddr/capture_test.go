//go:build root

package main

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The wire values the captured frames are checked against, written out
// here rather than taken from the code under test.
const (
	arpRequest = 1    // RFC 826
	arpReply   = 2    // RFC 826
	naOverride = 0x20 // RFC 4861 section 4.4: the O flag
)

var allNodes = netip.MustParseAddr("ff02::1")

// htons puts a protocol number in network byte order, as sockaddr_ll wants.
func htons(v uint16) uint16 { return v<<8 | v>>8 }

// capture is a packet socket on one interface, seeing frames in both
// directions, as tcpdump would.
type capture struct{ fd int }

func listen(t testing.TB, n *node) *capture {
	t.Helper()
	index := n.link(t).Attrs().Index
	var fd int
	var err error
	n.do(t, func() {
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err == nil {
			err = unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: index})
		}
	})
	if err != nil {
		t.Fatalf("packet socket in %s: %v", n.name, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return &capture{fd: fd}
}

// frame is one captured Ethernet frame.
type frame struct {
	outgoing bool
	data     []byte
}

// collect reads frames until enough() is satisfied or timeout passes.
func (c *capture) collect(t testing.TB, timeout time.Duration, enough func([]frame) bool) []frame {
	t.Helper()
	var frames []frame
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 2048)
	for !enough(frames) {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		pfd := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, int(left/time.Millisecond)+1); err != nil && err != unix.EINTR {
			t.Fatalf("poll: %v", err)
		}
		if pfd[0].Revents&unix.POLLIN == 0 {
			continue
		}
		n, from, err := unix.Recvfrom(c.fd, buf, 0)
		if err != nil {
			t.Fatalf("recvfrom: %v", err)
		}
		ll, _ := from.(*unix.SockaddrLinklayer)
		frames = append(frames, frame{outgoing: ll != nil && ll.Pkttype == unix.PACKET_OUTGOING, data: append([]byte(nil), buf[:n]...)})
	}
	return frames
}

// announcement is what a frame says about an address: an ARP packet or an
// ICMPv6 Neighbor Discovery message, with the fields the tests assert.
type announcement struct {
	ethSrc net.HardwareAddr
	// ARP
	op       uint16
	sha, tha net.HardwareAddr
	spa, tpa netip.Addr
	// ICMPv6
	icmpType uint8
	hopLimit uint8
	src, dst netip.Addr
	flags    uint8
	target   netip.Addr
	tlla     net.HardwareAddr
}

func parseFrame(b []byte) (announcement, bool) {
	var a announcement
	if len(b) < 14 {
		return a, false
	}
	a.ethSrc = net.HardwareAddr(b[6:12])
	switch binary.BigEndian.Uint16(b[12:14]) {
	case unix.ETH_P_ARP:
		p := b[14:]
		if len(p) < 28 {
			return a, false
		}
		a.op = binary.BigEndian.Uint16(p[6:8])
		a.sha = net.HardwareAddr(p[8:14])
		a.tha = net.HardwareAddr(p[18:24])
		a.spa = netip.AddrFrom4([4]byte(p[14:18]))
		a.tpa = netip.AddrFrom4([4]byte(p[24:28]))
		return a, true
	case unix.ETH_P_IPV6:
		p := b[14:]
		if len(p) < 40+24 || p[6] != unix.IPPROTO_ICMPV6 {
			return a, false
		}
		a.hopLimit = p[7]
		a.src = netip.AddrFrom16([16]byte(p[8:24]))
		a.dst = netip.AddrFrom16([16]byte(p[24:40]))
		m := p[40:]
		a.icmpType = m[0]
		if a.icmpType != 135 && a.icmpType != 136 {
			return a, false
		}
		a.flags = m[4]
		a.target = netip.AddrFrom16([16]byte(m[8:24]))
		if len(m) >= 32 && m[24] == 2 && m[25] == 1 {
			a.tlla = net.HardwareAddr(m[26:32])
		}
		return a, true
	}
	return a, false
}
