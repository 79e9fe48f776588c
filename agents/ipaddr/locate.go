package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// absentError says that something the address needs does not exist on this
// node: an interface or a connected route. That is a problem of this node
// (start 5, probe 7, stop 0), never a configuration error.
type absentError struct{ reason string }

func (e *absentError) Error() string { return e.reason }

func absent(format string, args ...any) error {
	return &absentError{reason: fmt.Sprintf(format, args...)}
}

// placement is where the address belongs on this node.
type placement struct {
	link   netlink.Link
	prefix int
}

func (p placement) nic() string { return p.link.Attrs().Name }

// place finds the interface and, when withPrefix, the prefix length: from
// nic and cidr_netmask when given, else from the connected route with the
// longest prefix that covers the address. Only start needs the prefix: a
// monitor must not depend on a route that a link going down takes along.
func place(c *config, withPrefix bool) (placement, error) {
	var pl placement
	if c.nic != "" {
		l, err := netlink.LinkByName(c.nic)
		var notFound netlink.LinkNotFoundError
		if errors.As(err, &notFound) {
			return pl, absent("parameter nic=%s: no such interface on this node", c.nic)
		}
		if err != nil {
			return pl, fmt.Errorf("parameter nic=%s: %w", c.nic, err)
		}
		pl.link = l
		if c.prefix != 0 || !withPrefix {
			pl.prefix = c.prefix
			return pl, nil
		}
	}
	routes, err := connectedRoutes(c.ip, pl.link)
	if err != nil {
		return pl, err
	}
	if len(routes) == 0 {
		if pl.link != nil {
			return pl, absent("parameter cidr_netmask is empty and no connected route on nic=%s covers ip=%s", c.nic, c.ip)
		}
		return pl, absent("parameter nic is empty and no connected route on this node covers ip=%s", c.ip)
	}
	if pl.link == nil {
		if pl.link, err = uniqueLink(routes, c.ip); err != nil {
			return pl, err
		}
	}
	pl.prefix = c.prefix
	if pl.prefix == 0 {
		pl.prefix, _ = routes[0].Dst.Mask.Size()
	}
	return pl, nil
}

// connectedRoutes lists the main table's unicast routes without gateway
// whose destination covers ip, on link when given, longest prefix first. A
// default route is left out, as IPaddr2's findif does: it covers every
// address and says nothing about the subnet.
func connectedRoutes(ip netip.Addr, link netlink.Link) ([]netlink.Route, error) {
	filter := &netlink.Route{Table: unix.RT_TABLE_MAIN}
	mask := netlink.RT_FILTER_TABLE
	if link != nil {
		filter.LinkIndex = link.Attrs().Index
		mask |= netlink.RT_FILTER_OIF
	}
	all, err := retryDump(func() ([]netlink.Route, error) {
		return netlink.RouteListFiltered(familyOf(ip), filter, mask)
	})
	if err != nil {
		return nil, fmt.Errorf("listing routes for ip=%s: %w", ip, err)
	}
	var covering []netlink.Route
	for _, r := range all {
		if r.Type != unix.RTN_UNICAST || r.Gw != nil || len(r.MultiPath) > 0 || r.Dst == nil || r.LinkIndex <= 0 {
			continue
		}
		prefix, ok := netipPrefix(r.Dst)
		if ok && prefix.Bits() > 0 && prefix.Contains(ip) {
			covering = append(covering, r)
		}
	}
	slices.SortStableFunc(covering, func(a, b netlink.Route) int {
		ab, _ := a.Dst.Mask.Size()
		bb, _ := b.Dst.Mask.Size()
		return bb - ab
	})
	return covering, nil
}

// uniqueLink is the interface of the longest covering routes, or an error
// naming every candidate when they are on several interfaces.
func uniqueLink(routes []netlink.Route, ip netip.Addr) (netlink.Link, error) {
	longest, _ := routes[0].Dst.Mask.Size()
	var indexes []int
	for _, r := range routes {
		if bits, _ := r.Dst.Mask.Size(); bits == longest && !slices.Contains(indexes, r.LinkIndex) {
			indexes = append(indexes, r.LinkIndex)
		}
	}
	var links []netlink.Link
	var names []string
	for _, i := range indexes {
		l, err := netlink.LinkByIndex(i)
		if err != nil {
			return nil, fmt.Errorf("interface %d of the route to ip=%s: %w", i, ip, err)
		}
		links = append(links, l)
		names = append(names, l.Attrs().Name)
	}
	if len(links) > 1 {
		return nil, absent("parameter nic is empty and connected routes on several interfaces (%s) cover ip=%s: set nic", strings.Join(names, ", "), ip)
	}
	return links[0], nil
}

// findAddr returns the address ip on link, or nil when it is not there.
func findAddr(link netlink.Link, ip netip.Addr) (*netlink.Addr, error) {
	addrs, err := retryDump(func() ([]netlink.Addr, error) {
		return netlink.AddrList(link, familyOf(ip))
	})
	if err != nil {
		return nil, fmt.Errorf("listing addresses of nic=%s: %w", link.Attrs().Name, err)
	}
	for i := range addrs {
		if a, ok := netip.AddrFromSlice(addrs[i].IP); ok && a.Unmap() == ip {
			return &addrs[i], nil
		}
	}
	return nil, nil
}

// linkUp is what check_link_status checks: administratively up and with a
// carrier. Links that do not report an operational state (UNKNOWN, such as
// loopback or tun) count as up, as they do for IPaddr2.
func linkUp(l netlink.Link) bool {
	a := l.Attrs()
	if a.RawFlags&unix.IFF_UP == 0 {
		return false
	}
	switch a.OperState {
	case netlink.OperDown, netlink.OperLowerLayerDown, netlink.OperNotPresent:
		return false
	}
	return true
}

// retryDump repeats a netlink dump that a concurrent change interrupted;
// the kernel then says the result may be inconsistent.
func retryDump[T any](dump func() ([]T, error)) ([]T, error) {
	const attempts = 5
	var err error
	for range attempts {
		var list []T
		list, err = dump()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return list, err
		}
	}
	return nil, err
}

func familyOf(ip netip.Addr) int {
	if ip.Is4() {
		return netlink.FAMILY_V4
	}
	return netlink.FAMILY_V6
}

func netipPrefix(n *net.IPNet) (netip.Prefix, bool) {
	a, ok := netip.AddrFromSlice(n.IP)
	ones, bits := n.Mask.Size()
	if !ok || bits == 0 {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a.Unmap(), ones), true
}
