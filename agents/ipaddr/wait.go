package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// pollInterval is how often a wait looks again. Netlink notifications would
// do too, but a dump every few milliseconds is simpler and costs nothing
// next to the second or two that DAD or a carrier takes.
const pollInterval = 20 * time.Millisecond

// poll calls cond until it reports done or fails, or ctx ends.
func poll(ctx context.Context, cond func() (bool, error)) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		done, err := cond()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

var errDADFailed = errors.New("duplicate address detection failed: another node on the link uses the address")

// waitDAD waits until the kernel's Duplicate Address Detection of ip on
// link has finished: the address is no longer tentative, or is dadfailed.
func waitDAD(ctx context.Context, link netlink.Link, ip netip.Addr) error {
	return poll(ctx, func() (bool, error) {
		a, err := findAddr(link, ip)
		switch {
		case err != nil:
			return false, err
		case a == nil:
			return false, errors.New("the address vanished during duplicate address detection")
		case a.Flags&unix.IFA_F_DADFAILED != 0:
			return false, errDADFailed
		}
		return a.Flags&unix.IFA_F_TENTATIVE == 0, nil
	})
}

// waitLinkUp waits until link is up in the sense of check_link_status.
func waitLinkUp(ctx context.Context, link netlink.Link) error {
	return poll(ctx, func() (bool, error) {
		l, err := netlink.LinkByIndex(link.Attrs().Index)
		if err != nil {
			return false, fmt.Errorf("reading the state of nic=%s: %w", link.Attrs().Name, err)
		}
		return linkUp(l), nil
	})
}

// waitLocalRoute waits until the kernel routes an IPv6 address to this
// node. It inserts the address's route in the local table from a work
// queue, after the address stops being tentative: until then a program
// here that sends to the address sends it out on the link, and a socket
// connected then keeps that route.
func waitLocalRoute(ctx context.Context, link netlink.Link, ip netip.Addr) error {
	filter := &netlink.Route{
		Table: unix.RT_TABLE_LOCAL,
		Dst:   &net.IPNet{IP: ip.AsSlice(), Mask: net.CIDRMask(ip.BitLen(), ip.BitLen())},
	}
	return poll(ctx, func() (bool, error) {
		routes, err := retryDump(func() ([]netlink.Route, error) {
			return netlink.RouteListFiltered(familyOf(ip), filter, netlink.RT_FILTER_TABLE|netlink.RT_FILTER_DST)
		})
		if err != nil {
			return false, fmt.Errorf("listing the local routes of nic=%s: %w", link.Attrs().Name, err)
		}
		return len(routes) > 0, nil
	})
}
