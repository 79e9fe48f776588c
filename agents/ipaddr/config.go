package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// maxLabel is the longest address label the kernel keeps (IFNAMSIZ less
// the terminating NUL); the label includes the interface name.
const maxLabel = 15

// config is ocf:qvd:IPaddr's parameters, decoded once by loadConfig and
// checked against each other: the actions read its fields, never a
// parameter by name.
type config struct {
	ip            netip.Addr
	prefix        int    // 0: the prefix length of the connected route
	nic           string // "": the interface of the connected route
	label         string // without the "nic:" part
	broadcast     string
	arpCount      int
	arpInterval   time.Duration
	arpRefresh    int
	arpReply      bool // send_arp_opts=-A: gratuitous ARP replies
	probe         bool // run_arping: IPv4 duplicate address check
	preferredLft  uint32
	forever       bool
	nodad         bool
	noprefixroute bool
	checkLink     bool
	namespace     string // network_namespace; "": the agent's own
}

// The Check functions run in the runtime's parameter parsing, which turns
// their errors into exit code 6 naming the parameter: each one rejects a
// value that is wrong on every node.

func checkIP(v string) error {
	_, err := parseIP(v)
	return err
}

func parseIP(v string) (netip.Addr, error) {
	a, err := netip.ParseAddr(v)
	switch {
	case err != nil:
		return a, errors.New("not an IPv4 or IPv6 address")
	case a.Zone() != "":
		return a, errors.New("a zone is not allowed; name the interface in nic")
	case a.Is4In6():
		return a, errors.New("an IPv4-mapped IPv6 address; use the IPv4 form")
	case a.IsUnspecified(), a.IsMulticast(), a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return a, errors.New("not a unicast address")
	}
	return a, nil
}

func checkNetmask(v string) error {
	_, err := parseNetmask(v)
	return err
}

// parseNetmask accepts a prefix length, or a dotted IPv4 netmask as IPaddr2
// does; the family check needs ip and happens in newConfig.
func parseNetmask(v string) (int, error) {
	if n, err := strconv.Atoi(v); err == nil {
		if n < 1 || n > 128 {
			return 0, errors.New("not a prefix length (1-32 for IPv4, 1-128 for IPv6)")
		}
		return n, nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil || !a.Is4() {
		return 0, errors.New("not a prefix length or dotted netmask")
	}
	b := a.As4()
	ones, bits := net.IPMask(b[:]).Size()
	if bits == 0 || ones == 0 {
		return 0, errors.New("not a contiguous netmask")
	}
	return ones, nil
}

func checkNic(v string) error {
	base, label, _ := strings.Cut(v, ":")
	switch {
	case base == "" || len(base) > maxLabel || strings.ContainsAny(base, "/ \t\n"):
		return errors.New("not an interface name")
	case label != "":
		return checkLabel(label)
	}
	return nil
}

func checkLabel(v string) error {
	if len(v) > maxLabel || strings.ContainsAny(v, " \t\n") {
		return fmt.Errorf("not a label of at most %d characters without spaces", maxLabel)
	}
	return nil
}

func checkBroadcast(v string) error {
	if v == "+" || v == "-" {
		return nil
	}
	if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
		return errors.New("not +, - or an IPv4 address")
	}
	return nil
}

func checkLifetime(v string) error {
	_, _, err := parseLifetime(v)
	return err
}

// parseLifetime reads preferred_lft; 0xffffffff is the kernel's "forever",
// so the largest finite value is one less.
func parseLifetime(v string) (secs uint32, forever bool, err error) {
	if v == "forever" {
		return 0, true, nil
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n == math.MaxUint32 {
		return 0, false, fmt.Errorf("not forever or a number of seconds below %d", uint64(math.MaxUint32))
	}
	return uint32(n), false, nil
}

// arpSenders are IPaddr2's arp_sender programs. All of them send the same
// unsolicited ARP on an Ethernet link, which is what this agent sends itself.
var arpSenders = []string{"send_arp", "iputils_arping", "libnet_arping", "ipoibarping"}

func checkARPSender(v string) error {
	if !slices.Contains(arpSenders, v) {
		return fmt.Errorf("not one of %s", strings.Join(arpSenders, ", "))
	}
	return nil
}

func checkSendARPOpts(v string) error {
	_, err := parseSendARPOpts(v)
	return err
}

// parseSendARPOpts reads the arping options that IPaddr2 passes through and
// that have a meaning here: -A (replies) and -U (requests). -b (broadcast
// only) and -q (quiet) describe what the agent does anyway. Any other option
// would change what an arping does, so it is refused rather than dropped.
func parseSendARPOpts(v string) (reply bool, err error) {
	for _, opt := range strings.Fields(v) {
		switch opt {
		case "-A":
			reply = true
		case "-U":
			reply = false
		case "-b", "-q":
		default:
			return false, fmt.Errorf("option %s is not supported (only -A, -U, -b, -q)", opt)
		}
	}
	return reply, nil
}

// checkBroadcastMAC accepts the one destination the agent sends to.
func checkBroadcastMAC(v string) error {
	if strings.ToLower(strings.ReplaceAll(v, ":", "")) != "ffffffffffff" {
		return errors.New("announcements always go to the Ethernet broadcast address ffffffffffff")
	}
	return nil
}

// checkNamespace accepts the names ip netns add accepts: a file name in
// /run/netns.
func checkNamespace(v string) error {
	if v == "." || v == ".." || strings.Contains(v, "/") || len(v) > 255 {
		return errors.New("not a network namespace name (a file name in /run/netns)")
	}
	return nil
}

func atLeast(lowest int) func(string) error {
	return func(v string) error {
		if n, _ := strconv.Atoi(v); n < lowest {
			return fmt.Errorf("must be at least %d", lowest)
		}
		return nil
	}
}

// unsupported are IPaddr2's boolean parameters whose feature this agent
// lacks, with the reason: false is what the agent does, true would be
// silently wrong.
var unsupported = []struct{ name, why string }{
	{"lvs_support", "LVS direct routing is not supported (use ocf:heartbeat:IPaddr2)"},
	{"lvs_ipv6_addrlabel", "LVS address labels are not supported (use ocf:heartbeat:IPaddr2)"},
	{"unique_clone_address", "clones are not supported: one primitive per address"},
}

// loadConfig decodes the parameters and applies the checks that involve
// more than one of them. The runtime has checked every value against its
// declaration (Type and Check) already, with the parsers used here, so an
// error from those would be a declaration letting through what decoding
// refuses. Every error is ErrConfigured and names the parameters involved.
// Every name is read before anything is checked, so that a test over the
// defaults (ocftest.Decodes) sees them all.
func loadConfig(p ocf.Params) (*config, error) {
	c := &config{
		arpCount:      p.Int("arp_count"),
		arpInterval:   time.Duration(p.Int("arp_interval")) * time.Millisecond,
		arpRefresh:    p.Int("arp_count_refresh"),
		broadcast:     p.String("broadcast"),
		label:         p.String("iflabel"),
		nodad:         p.Bool("nodad"),
		noprefixroute: p.Bool("noprefixroute"),
		checkLink:     p.Bool("check_link_status"),
		probe:         p.Bool("run_arping"),
		namespace:     p.String("network_namespace"),
	}
	ipValue, mask, nicValue := p.String("ip"), p.String("cidr_netmask"), p.String("nic")
	sendARPOpts, lifetime := p.String("send_arp_opts"), p.String("preferred_lft")
	arpSender, arpMAC := p.String("arp_sender"), p.String("arp_mac")
	refused := make([]bool, len(unsupported))
	for i, u := range unsupported {
		refused[i] = p.Bool(u.name)
	}
	v4Only := []struct {
		name string
		set  bool
	}{{"broadcast", p.IsSet("broadcast")}, {"iflabel", p.IsSet("iflabel")}}

	ip, err := parseIP(ipValue)
	if err != nil {
		return nil, ocf.Fail(ocf.ErrConfigured, "parameter ip=%q: %v", ipValue, err)
	}
	c.ip = ip
	for i, u := range unsupported {
		if refused[i] {
			return nil, ocf.Fail(ocf.ErrConfigured, "parameter %s=true: %s", u.name, u.why)
		}
	}
	if c.arpReply, err = parseSendARPOpts(sendARPOpts); err != nil {
		return nil, badValue("send_arp_opts", sendARPOpts, err)
	}
	if c.preferredLft, c.forever, err = parseLifetime(lifetime); err != nil {
		return nil, badValue("preferred_lft", lifetime, err)
	}
	if arpSender != "" {
		if err := checkARPSender(arpSender); err != nil {
			return nil, badValue("arp_sender", arpSender, err)
		}
	}
	if err := checkBroadcastMAC(arpMAC); err != nil {
		return nil, badValue("arp_mac", arpMAC, err)
	}
	nic, label, hasLabel := strings.Cut(nicValue, ":")
	c.nic = nic
	if hasLabel {
		// IPaddr2 lets a label in nic override iflabel.
		c.label = label
	}

	if mask != "" {
		if c.prefix, err = parseNetmask(mask); err != nil {
			return nil, badValue("cidr_netmask", mask, err)
		}
		if ip.Is4() && c.prefix > 32 {
			return nil, ocf.Fail(ocf.ErrConfigured, "parameter cidr_netmask=%s is out of range for the IPv4 address ip=%s (1-32)", mask, ip)
		}
		if ip.Is6() && strings.Contains(mask, ".") {
			return nil, ocf.Fail(ocf.ErrConfigured, "parameter cidr_netmask=%s is a dotted netmask, but ip=%s is IPv6: give a prefix length", mask, ip)
		}
	}
	if ip.Is6() {
		for _, o := range v4Only {
			if o.set {
				return nil, ocf.Fail(ocf.ErrConfigured, "parameter %s applies to IPv4 only, but ip=%s is IPv6", o.name, ip)
			}
		}
		if hasLabel {
			return nil, ocf.Fail(ocf.ErrConfigured, "parameter nic=%s carries a label, which applies to IPv4 only, but ip=%s is IPv6", nicValue, ip)
		}
		if ip.IsLinkLocalUnicast() && c.nic == "" {
			return nil, ocf.Fail(ocf.ErrConfigured, "parameter nic is required for the link-local address ip=%s", ip)
		}
	}
	if c.nic != "" {
		if err := c.checkLabelLength(c.nic, ocf.ErrConfigured); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// badValue is the error for a value its declaration's Check let through.
func badValue(name, value string, err error) error {
	return ocf.Fail(ocf.ErrConfigured, "parameter %s=%q: %v", name, value, err)
}

// addrLabel is the kernel's label for the address on nic: nic:label.
func (c *config) addrLabel(nic string) string {
	if c.label == "" {
		return ""
	}
	return nic + ":" + c.label
}

// checkLabelLength fails with rc when nic:label is too long for the kernel.
// The length depends on the interface's name, so it is wrong everywhere
// when nic is configured and a problem of this node when nic was found here.
func (c *config) checkLabelLength(nic string, rc ocf.RC) error {
	if l := c.addrLabel(nic); len(l) > maxLabel {
		return ocf.Fail(rc, "parameter iflabel: the label %q on nic=%s is longer than %d characters", l, nic, maxLabel)
	}
	return nil
}
