package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"strconv"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

func start(ctx context.Context, req *ocf.Request, c *config) error {
	pl, err := c.configure(req, ocf.ErrInstalled)
	if err != nil {
		return err
	}
	present, err := findAddr(pl.link, c.ip)
	if err != nil {
		return err
	}
	if present != nil {
		req.Log.Infof("ip=%s is already on nic=%s", c.ip, pl.nic())
		return nil
	}
	if c.probe && c.ip.Is4() {
		if err := c.probeFirst(ctx, req, pl); err != nil {
			return err
		}
	}
	addr := c.netlinkAddr(pl)
	req.Log.Infof("adding ip=%s/%d to nic=%s", c.ip, pl.prefix, pl.nic())
	if err := netlink.AddrAdd(pl.link, addr); err != nil {
		return netlinkFailure(err, "adding ip=%s/%d to nic=%s", c.ip, pl.prefix, pl.nic())
	}
	if err := c.bringUp(ctx, pl); err != nil {
		// The address must not stay half-started: it would answer on the
		// link while this start reports a failure, and a DAD-failed one
		// would block the next attempt.
		if delErr := netlink.AddrDel(pl.link, addr); delErr != nil {
			req.Log.Errorf("removing ip=%s from nic=%s after the failed start: %v", c.ip, pl.nic(), delErr)
		}
		return err
	}
	c.announce(ctx, req, pl, c.arpCount)
	return nil
}

// probeFirst is run_arping: a start that finds the address in use on the
// link fails before adding it, as IPaddr2's does. A probe that cannot be
// sent (an interface still down, one without Ethernet) only costs the
// check, as it does for IPaddr2, whose arping then exits with 2.
func (c *config) probeFirst(ctx context.Context, req *ocf.Request, pl placement) error {
	err := probeARP(ctx, pl.link, c.ip)
	switch {
	case errors.Is(err, errInUse):
		return fmt.Errorf("ip=%s on nic=%s: %w (run_arping=true); not added", c.ip, pl.nic(), err)
	case errors.Is(err, errNoEthernet):
		req.Log.Infof("nic=%s: %v; no duplicate address check (run_arping)", pl.nic(), err)
	case err != nil:
		req.Log.Warnf("ip=%s on nic=%s: no duplicate address check (run_arping): %v", c.ip, pl.nic(), err)
	}
	return nil
}

// bringUp sets the interface up and waits until the address is usable: the
// interface up when check_link_status asks for it, and IPv6 DAD finished.
func (c *config) bringUp(ctx context.Context, pl placement) error {
	if err := netlink.LinkSetUp(pl.link); err != nil {
		return netlinkFailure(err, "setting nic=%s up", pl.nic())
	}
	if c.checkLink {
		if err := waitLinkUp(ctx, pl.link); err != nil {
			return fmt.Errorf("nic=%s did not come up with a carrier (check_link_status=true): %w; ip=%s removed", pl.nic(), err, c.ip)
		}
	}
	if c.ip.Is4() {
		return nil
	}
	if !c.nodad {
		err := waitDAD(ctx, pl.link, c.ip)
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("ip=%s on nic=%s was still tentative (duplicate address detection unfinished) at the start's deadline; ip=%s removed", c.ip, pl.nic(), c.ip)
		}
		if err != nil {
			return fmt.Errorf("ip=%s on nic=%s: %w; ip=%s removed", c.ip, pl.nic(), err, c.ip)
		}
	}
	if err := waitLocalRoute(ctx, pl.link, c.ip); err != nil {
		return fmt.Errorf("ip=%s on nic=%s: the kernel did not route it locally before the start's deadline: %w; ip=%s removed", c.ip, pl.nic(), err, c.ip)
	}
	return nil
}

func stop(_ context.Context, req *ocf.Request, c *config) error {
	links, err := c.holders()
	if err != nil {
		return err
	}
	for _, l := range links {
		a, err := findAddr(l, c.ip)
		if err != nil {
			return err
		}
		if a == nil {
			continue
		}
		req.Log.Infof("removing ip=%s from %s", c.ip, l.Attrs().Name)
		if err := netlink.AddrDel(l, a); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			return netlinkFailure(err, "removing ip=%s from %s", c.ip, l.Attrs().Name)
		}
	}
	return nil
}

// holders are the interfaces stop removes the address from: nic, or every
// interface when nic is empty, because then the address is ours wherever
// it is and a stop must leave it nowhere on this node.
func (c *config) holders() ([]netlink.Link, error) {
	if c.nic == "" {
		links, err := retryDump(netlink.LinkList)
		if err != nil {
			return nil, fmt.Errorf("listing interfaces: %w", err)
		}
		return links, nil
	}
	l, err := netlink.LinkByName(c.nic)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("parameter nic=%s: %w", c.nic, err)
	}
	return []netlink.Link{l}, nil
}

func monitor(ctx context.Context, req *ocf.Request, c *config) error {
	pl, err := place(c, false)
	var missing *absentError
	if errors.As(err, &missing) {
		return ocf.Fail(ocf.NotRunning, "%s", missing.reason)
	}
	if err != nil {
		return err
	}
	a, err := findAddr(pl.link, c.ip)
	switch {
	case err != nil:
		return err
	case a == nil:
		return ocf.Fail(ocf.NotRunning, "ip=%s is not on nic=%s", c.ip, pl.nic())
	case a.Flags&unix.IFA_F_DADFAILED != 0:
		return ocf.Fail(ocf.NotRunning, "ip=%s on nic=%s failed duplicate address detection", c.ip, pl.nic())
	case c.checkLink && !linkUp(pl.link):
		return ocf.Fail(ocf.NotRunning, "nic=%s of ip=%s is down (operational state %s, check_link_status=true)", pl.nic(), c.ip, pl.link.Attrs().OperState)
	}
	if c.ip.Is4() && c.arpRefresh > 0 && !req.IsProbe() {
		c.announce(ctx, req, pl, c.arpRefresh)
	}
	return nil
}

func validate(_ context.Context, req *ocf.Request, c *config) error {
	_, err := c.configure(req, ocf.ErrInstalled)
	return err
}

// configure places the address on this node, for an instance that may run
// here; what is missing here fails with localRC.
func (c *config) configure(req *ocf.Request, localRC ocf.RC) (placement, error) {
	if err := refuseClone(req.Meta); err != nil {
		return placement{}, err
	}
	pl, err := place(c, true)
	var missing *absentError
	if errors.As(err, &missing) {
		return pl, ocf.Fail(localRC, "%s", missing.reason)
	}
	if err != nil {
		return pl, err
	}
	if c.nic == "" {
		if err := c.checkLabelLength(pl.nic(), localRC); err != nil {
			return pl, err
		}
	}
	return pl, nil
}

// refuseClone fails a start or validate-all of a clone with more than one
// instance: each would add the same address on its node, and the address
// would answer from several MAC addresses at once. IPaddr2 shares the
// address through iptables' CLUSTERIP there, which this agent does not do.
// Stop and monitor still work, so that such a clone can be cleaned up.
func refuseClone(meta map[string]string) error {
	v, ok := meta["clone_max"]
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil || n < 1:
		return ocf.Fail(ocf.ErrConfigured, "meta attribute clone-max=%q is not a positive integer", v)
	case n > 1:
		return ocf.Fail(ocf.ErrConfigured, "ocf:qvd:IPaddr cannot run as a clone (clone-max=%d): each instance would add the same address", n)
	}
	return nil
}

// announce sends count announcements. They are best effort, as in IPaddr2:
// the address works without them, only neighbours' caches update later.
func (c *config) announce(ctx context.Context, req *ocf.Request, pl placement, count int) {
	sent, err := announce(ctx, pl.link, c.ip, c.arpReply, count, c.arpInterval)
	switch {
	case errors.Is(err, errNoEthernet):
		req.Log.Infof("nic=%s: %v", pl.nic(), err)
	case err != nil:
		req.Log.Warnf("ip=%s on nic=%s: %d of %d announcements sent (arp_count, arp_interval): %v", c.ip, pl.nic(), sent, count, err)
	default:
		req.Log.Infof("ip=%s on nic=%s: %d announcements sent", c.ip, pl.nic(), sent)
	}
}

// netlinkAddr is the address as the kernel is asked to add it.
func (c *config) netlinkAddr(pl placement) *netlink.Addr {
	a := &netlink.Addr{
		IPNet: &net.IPNet{IP: c.ip.AsSlice(), Mask: net.CIDRMask(pl.prefix, c.ip.BitLen())},
		Label: c.addrLabel(pl.nic()),
	}
	if c.noprefixroute {
		a.Flags |= unix.IFA_F_NOPREFIXROUTE
	}
	if c.ip.Is4() {
		a.Broadcast = c.broadcastAddr(pl.prefix)
		return a
	}
	if c.nodad {
		a.Flags |= unix.IFA_F_NODAD
	}
	if !c.forever {
		// The kernel reads the preferred lifetime only together with the
		// valid one, which stays infinite.
		a.PreferedLft = int(c.preferredLft)
		a.ValidLft = math.MaxUint32
	}
	return a
}

// broadcastAddr is the broadcast parameter for netlink; nil lets netlink
// derive "+" for prefixes up to /30 and add none for /31 and /32.
func (c *config) broadcastAddr(prefix int) net.IP {
	network := netip.PrefixFrom(c.ip, prefix).Masked().Addr().As4()
	switch c.broadcast {
	case "":
		return nil
	case "-":
		return net.IP(network[:])
	case "+":
		mask := net.CIDRMask(prefix, 32)
		b := make(net.IP, 4)
		for i := range b {
			b[i] = network[i] | ^mask[i]
		}
		return b
	}
	return net.ParseIP(c.broadcast).To4()
}

// netlinkFailure maps a refused netlink request to an exit code: missing
// privileges are a problem of how the agent runs on this node (4).
func netlinkFailure(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return ocf.Fail(ocf.ErrPerm, "%s: %v (needs CAP_NET_ADMIN)", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
