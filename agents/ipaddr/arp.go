package main

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"github.com/mdlayher/packet"
	"github.com/vishvananda/netlink"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// zeroMAC is the target hardware address of an ARP request: unknown.
var zeroMAC = make(net.HardwareAddr, 6)

// arpAnnouncement is the ARP request of RFC 5227 section 2.3 announcing ip
// at mac: sender and target protocol address are both ip and the target
// hardware address is zero. Linux neighbours take such a request (sender
// equal to target) as gratuitous and override an existing cache entry
// with it at once, whatever its lock time.
//
// With reply it is the gratuitous reply that arping -A sends instead, with
// mac as target hardware address too, for devices that ignore gratuitous
// requests.
func arpAnnouncement(mac net.HardwareAddr, ip netip.Addr, reply bool) ([]byte, error) {
	op, target := arp.OperationRequest, zeroMAC
	if reply {
		op, target = arp.OperationReply, mac
	}
	return marshalARP(op, mac, ip, target, ip)
}

// marshalARP builds an ARP packet; the hardware addresses come from a link
// with a 6-byte address and the protocol addresses are IPv4, which is all
// arp.NewPacket checks.
func marshalARP(op arp.Operation, sha net.HardwareAddr, spa netip.Addr, tha net.HardwareAddr, tpa netip.Addr) ([]byte, error) {
	p, err := arp.NewPacket(op, sha, spa, tha, tpa)
	if err != nil {
		return nil, fmt.Errorf("building an ARP packet for %s: %w", tpa, err)
	}
	return p.MarshalBinary()
}

// listenARP opens a datagram packet socket for ARP on link: the kernel adds
// the Ethernet header with the interface's own source address, as arping's
// socket does. A socket that only sends gets a filter that drops every
// incoming frame, so that the ARP traffic of a busy LAN does not queue up
// in it while the announcements are spaced out.
func listenARP(link netlink.Link, receive bool) (*packet.Conn, error) {
	var cfg packet.Config
	if !receive {
		dropAll, err := bpf.Assemble([]bpf.Instruction{bpf.RetConstant{Val: 0}})
		if err != nil {
			return nil, fmt.Errorf("assembling the ARP socket's filter: %w", err)
		}
		cfg.Filter = dropAll
	}
	c, err := packet.Listen(netInterface(link), packet.Datagram, unix.ETH_P_ARP, &cfg)
	if err != nil {
		return nil, fmt.Errorf("opening a packet socket for ARP on nic=%s: %w", link.Attrs().Name, err)
	}
	return c, nil
}

// broadcast is where every ARP packet of the agent goes: all neighbours.
var broadcast = &packet.Addr{HardwareAddr: ethernet.Broadcast}

// arpSender sends one prepared announcement each time.
type arpSender struct {
	conn   *packet.Conn
	packet []byte
}

func newARPSender(link netlink.Link, ip netip.Addr, reply bool) (*arpSender, error) {
	b, err := arpAnnouncement(link.Attrs().HardwareAddr, ip, reply)
	if err != nil {
		return nil, err
	}
	c, err := listenARP(link, false)
	if err != nil {
		return nil, err
	}
	return &arpSender{conn: c, packet: b}, nil
}

func (s *arpSender) send() error {
	if _, err := s.conn.WriteTo(s.packet, broadcast); err != nil {
		return fmt.Errorf("sending unsolicited ARP: %w", err)
	}
	return nil
}

func (s *arpSender) close() error { return s.conn.Close() }

// netInterface is link as the net package describes it, for the socket
// libraries; it costs no second lookup of the interface.
func netInterface(link netlink.Link) *net.Interface {
	a := link.Attrs()
	return &net.Interface{Index: a.Index, MTU: a.MTU, Name: a.Name, HardwareAddr: a.HardwareAddr, Flags: a.Flags}
}
