package main

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ICMPv6 Neighbor Advertisement (RFC 4861 section 4.4).
const (
	icmpNeighborAdvert = 136
	naOverride         = 0x20 // the O flag: replace a cached link-layer address
	optTargetLLAddr    = 2
)

var allNodes = netip.MustParseAddr("ff02::1")

// neighborAdvert is the unsolicited Neighbor Advertisement of RFC 4861
// section 7.2.6 for target at mac: Override set, Solicited and Router clear,
// with the target link-layer address option. The kernel fills in the
// checksum, which covers the IPv6 pseudo-header.
func neighborAdvert(mac net.HardwareAddr, target netip.Addr) []byte {
	t := target.As16()
	b := make([]byte, 32)
	b[0] = icmpNeighborAdvert
	b[4] = naOverride
	copy(b[8:24], t[:])
	b[24] = optTargetLLAddr
	b[25] = 1 // option length in units of 8 bytes
	copy(b[26:32], mac)
	return b
}

// naSender sends through a raw ICMPv6 socket bound to the address itself
// (usable once DAD is over), to ff02::1 with hop limit 255: receivers drop
// Neighbor Discovery packets with any other hop limit.
type naSender struct {
	fd     int
	to     *unix.SockaddrInet6
	packet []byte
}

func newNASender(link netlink.Link, ip netip.Addr) (s *naSender, err error) {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMPV6)
	if err != nil {
		return nil, fmt.Errorf("opening an ICMPv6 socket: %w", err)
	}
	defer func() {
		if err != nil {
			unix.Close(fd)
		}
	}()
	index := link.Attrs().Index
	// The socket only sends: filter out every incoming ICMPv6 message.
	var blockAll unix.ICMPv6Filter
	for i := range blockAll.Data {
		blockAll.Data[i] = ^uint32(0)
	}
	opts := []struct {
		name string
		set  func() error
	}{
		{"ICMPV6_FILTER", func() error {
			return unix.SetsockoptICMPv6Filter(fd, unix.IPPROTO_ICMPV6, unix.ICMPV6_FILTER, &blockAll)
		}},
		{"IPV6_MULTICAST_HOPS", func() error {
			return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, 255)
		}},
		{"IPV6_MULTICAST_IF", func() error {
			return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, index)
		}},
		{"IPV6_MULTICAST_LOOP", func() error {
			return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, 0)
		}},
		{"bind", func() error {
			return unix.Bind(fd, &unix.SockaddrInet6{Addr: ip.As16(), ZoneId: zoneOf(ip, index)})
		}},
	}
	for _, o := range opts {
		if err := o.set(); err != nil {
			return nil, fmt.Errorf("ICMPv6 socket for ip=%s, %s: %w", ip, o.name, err)
		}
	}
	return &naSender{
		fd:     fd,
		to:     &unix.SockaddrInet6{Addr: allNodes.As16(), ZoneId: uint32(index)},
		packet: neighborAdvert(link.Attrs().HardwareAddr, ip),
	}, nil
}

func (s *naSender) send() error {
	if err := unix.Sendto(s.fd, s.packet, 0, s.to); err != nil {
		return fmt.Errorf("sending unsolicited Neighbor Advertisement: %w", err)
	}
	return nil
}

func (s *naSender) close() error { return unix.Close(s.fd) }

// zoneOf is the scope a link-local address needs to be bound.
func zoneOf(ip netip.Addr, index int) uint32 {
	if ip.IsLinkLocalUnicast() {
		return uint32(index)
	}
	return 0
}
