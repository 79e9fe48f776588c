package main

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/mdlayher/ndp"
	"github.com/vishvananda/netlink"
	"golang.org/x/net/ipv6"
)

// neighborAdvert is the unsolicited Neighbor Advertisement of RFC 4861
// section 7.2.6 for target at mac: Override set, Solicited and Router clear,
// with the target link-layer address option. The checksum is left to the
// kernel, which computes it over the IPv6 pseudo-header of every ICMPv6
// raw socket's packet.
func neighborAdvert(mac net.HardwareAddr, target netip.Addr) ([]byte, error) {
	b, err := ndp.MarshalMessage(&ndp.NeighborAdvertisement{
		Override:      true,
		TargetAddress: target,
		Options:       []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Target, Addr: mac}},
	})
	if err != nil {
		return nil, fmt.Errorf("building the Neighbor Advertisement of %s: %w", target, err)
	}
	return b, nil
}

// naSender sends through a raw ICMPv6 socket bound to the address itself
// (usable once DAD is over), to ff02::1 with hop limit 255: receivers drop
// Neighbor Discovery packets with any other hop limit. ndp.Conn would open
// the same socket, but it offers no way to turn multicast loopback off and
// looks the interface's addresses up again; the socket is x/net's, which
// ndp.Conn wraps.
type naSender struct {
	conn   *net.IPConn
	to     *net.IPAddr
	packet []byte
}

func newNASender(link netlink.Link, ip netip.Addr) (s *naSender, err error) {
	b, err := neighborAdvert(link.Attrs().HardwareAddr, ip)
	if err != nil {
		return nil, err
	}
	ifi := netInterface(link)
	conn, err := net.ListenIP("ip6:ipv6-icmp", &net.IPAddr{IP: ip.AsSlice(), Zone: zoneOf(ip, ifi)})
	if err != nil {
		return nil, fmt.Errorf("opening an ICMPv6 socket for ip=%s: %w", ip, err)
	}
	defer func() {
		if err != nil {
			conn.Close()
		}
	}()
	pc := ipv6.NewPacketConn(conn)
	// The socket only sends: filter out every incoming ICMPv6 message.
	var blockAll ipv6.ICMPFilter
	blockAll.SetAll(true)
	opts := []struct {
		name string
		set  func() error
	}{
		{"ICMPV6_FILTER", func() error { return pc.SetICMPFilter(&blockAll) }},
		{"IPV6_MULTICAST_HOPS", func() error { return pc.SetMulticastHopLimit(ndp.HopLimit) }},
		{"IPV6_MULTICAST_IF", func() error { return pc.SetMulticastInterface(ifi) }},
		{"IPV6_MULTICAST_LOOP", func() error { return pc.SetMulticastLoopback(false) }},
	}
	for _, o := range opts {
		if err := o.set(); err != nil {
			return nil, fmt.Errorf("ICMPv6 socket for ip=%s, %s: %w", ip, o.name, err)
		}
	}
	// No zone on ff02::1: IPV6_MULTICAST_IF picks the interface, and the
	// net package would resolve a zone through its process-wide table of
	// interface names, which another namespace's names may have filled.
	return &naSender{conn: conn, to: &net.IPAddr{IP: netip.IPv6LinkLocalAllNodes().AsSlice()}, packet: b}, nil
}

func (s *naSender) send() error {
	if _, err := s.conn.WriteToIP(s.packet, s.to); err != nil {
		return fmt.Errorf("sending unsolicited Neighbor Advertisement: %w", err)
	}
	return nil
}

func (s *naSender) close() error { return s.conn.Close() }

// zoneOf is the scope a link-local address needs to be bound: the
// interface's index, for the reason above.
func zoneOf(ip netip.Addr, ifi *net.Interface) string {
	if ip.IsLinkLocalUnicast() {
		return strconv.Itoa(ifi.Index)
	}
	return ""
}
