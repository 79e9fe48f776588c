package main

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
)

// errNoEthernet: announcements are link-layer packets built for 6-byte
// hardware addresses; loopback, tun and InfiniBand links have none.
var errNoEthernet = errors.New("the interface has no Ethernet address, so no announcement is sent")

// sender sends one announcement of the address.
type sender interface {
	send() error
	close() error
}

// newSender opens the sender of ip's announcements; arpReply applies to IPv4
// only, as Neighbor Advertisements have no request form.
func newSender(link netlink.Link, ip netip.Addr, arpReply bool) (sender, error) {
	if len(link.Attrs().HardwareAddr) != 6 {
		return nil, errNoEthernet
	}
	if ip.Is4() {
		return newARPSender(link, ip, arpReply)
	}
	return newNASender(link, ip)
}

// announce sends count announcements of ip on link, interval apart, and
// stops early when ctx ends. It returns how many it sent.
func announce(ctx context.Context, link netlink.Link, ip netip.Addr, arpReply bool, count int, interval time.Duration) (int, error) {
	s, err := newSender(link, ip, arpReply)
	if err != nil {
		return 0, err
	}
	defer s.close()
	t := time.NewTicker(interval)
	defer t.Stop()
	for sent := 0; ; {
		if err := s.send(); err != nil {
			return sent, err
		}
		if sent++; sent == count {
			return sent, nil
		}
		select {
		case <-ctx.Done():
			return sent, ctx.Err()
		case <-t.C:
		}
	}
}
