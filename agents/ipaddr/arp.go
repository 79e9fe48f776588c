package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ARP operations (RFC 826).
const (
	arpRequest = 1
	arpReply   = 2
)

// arpAnnouncement is the ARP request of RFC 5227 section 2.3 announcing ip
// at mac: sender and target protocol address are both ip and the target
// hardware address is zero. Linux neighbours take such a request (sender
// equal to target) as gratuitous and override an existing cache entry
// with it at once, whatever its lock time.
//
// With reply it is the gratuitous reply that arping -A sends instead, with
// mac as target hardware address too, for devices that ignore gratuitous
// requests.
func arpAnnouncement(mac net.HardwareAddr, ip netip.Addr, reply bool) []byte {
	ip4 := ip.As4()
	b := make([]byte, 28)
	binary.BigEndian.PutUint16(b[0:], 1)             // hardware type: Ethernet
	binary.BigEndian.PutUint16(b[2:], unix.ETH_P_IP) // protocol type: IPv4
	b[4], b[5] = 6, 4                                // address lengths
	binary.BigEndian.PutUint16(b[6:], arpRequest)    // operation
	copy(b[8:14], mac)                               // sender hardware address
	copy(b[14:18], ip4[:])                           // sender protocol address
	copy(b[24:28], ip4[:])                           // target protocol address
	if reply {
		binary.BigEndian.PutUint16(b[6:], arpReply)
		copy(b[18:24], mac) // target hardware address
	}
	return b
}

// arpSender sends through a datagram packet socket, so the kernel adds the
// Ethernet header with the interface's own source address. Protocol 0 on
// the socket means it receives nothing.
type arpSender struct {
	fd     int
	to     *unix.SockaddrLinklayer
	packet []byte
}

func newARPSender(link netlink.Link, ip netip.Addr, reply bool) (*arpSender, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening a packet socket for ARP: %w", err)
	}
	to := &unix.SockaddrLinklayer{
		Protocol: htons(unix.ETH_P_ARP),
		Ifindex:  link.Attrs().Index,
		Halen:    6,
	}
	copy(to.Addr[:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	return &arpSender{fd: fd, to: to, packet: arpAnnouncement(link.Attrs().HardwareAddr, ip, reply)}, nil
}

func (s *arpSender) send() error {
	if err := unix.Sendto(s.fd, s.packet, 0, s.to); err != nil {
		return fmt.Errorf("sending unsolicited ARP: %w", err)
	}
	return nil
}

func (s *arpSender) close() error { return unix.Close(s.fd) }

// htons puts a protocol number in network byte order, as sockaddr_ll wants.
func htons(v uint16) uint16 { return v<<8 | v>>8 }
