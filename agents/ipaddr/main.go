// Command IPaddr is the OCF resource agent ocf:qvd:IPaddr: a floating IPv4
// or IPv6 address, managed in-process through netlink and raw sockets, with
// the parameters of ocf:heartbeat:IPaddr2 so that an existing configuration
// switches by changing the provider.
package main

import (
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// version is stamped in by the build.
var version = "0.1.0"

var params = []ocf.Param{
	{Name: "ip", Required: true, Unique: true, Short: "IPv4 or IPv6 address", Check: checkIP,
		Long: "The floating address, in dotted quad (192.0.2.10) or colon hexadecimal (2001:db8::10) notation, without prefix length or zone."},
	{Name: "cidr_netmask", Short: "Prefix length", Check: checkNetmask,
		Long: "Prefix length of the address: 1-32 for IPv4 (a dotted netmask such as 255.255.255.0 is accepted too), 1-128 for IPv6. Empty: the prefix length of the connected route that covers the address. 32 and 128 add a host address that creates no subnet route."},
	{Name: "nic", Short: "Network interface", Check: checkNic,
		Long: "The interface that carries the address. Empty: the interface of the connected route (a route without gateway) with the longest prefix covering the address; the start fails with a reason when no interface or more than one matches. An interface missing on this node bans the resource from this node only (start returns 5; a probe returns 7). The IPaddr2 form nic:label is accepted and sets the label."},
	{Name: "broadcast", Short: "IPv4 broadcast address", Check: checkBroadcast,
		Long: "IPv4 only. An address, + (host bits set) or - (host bits cleared). Empty: + for prefixes up to /30, none for /31 and /32."},
	{Name: "iflabel", Short: "IPv4 address label", Check: checkLabel,
		Long: "IPv4 only. A label appended to the interface name as nic:iflabel (15 characters at most in all), shown by ifconfig-style tools."},
	{Name: "arp_count", Type: ocf.Integer, Default: "5", Short: "Announcements sent by start", Check: atLeast(1),
		Long: "Number of unsolicited ARP requests (IPv4) or Neighbor Advertisements (IPv6) sent once the address is usable, so that neighbours replace the previous node's link-layer address in their caches."},
	{Name: "arp_interval", Type: ocf.Integer, Default: "200", Short: "Milliseconds between announcements", Check: atLeast(1),
		Long: "Milliseconds between two announcements. All of them are sent within the start's deadline: those that would fall after it are dropped with a warning."},
	{Name: "arp_count_refresh", Type: ocf.Integer, Default: "0", Short: "Announcements sent by each monitor", Check: atLeast(0),
		Long: "IPv4 only: number of unsolicited ARP requests each recurring monitor sends, against caches that kept a stale entry after a split brain. Probes never send."},
	{Name: "preferred_lft", Default: "forever", Short: "IPv6 preferred lifetime", Check: checkLifetime,
		Long: "IPv6 only: preferred lifetime in seconds, or forever. 0 makes the address deprecated, so that the kernel never picks it as a source address (RFC 4862 section 5.5.4)."},
	{Name: "nodad", Type: ocf.Boolean, Default: "false", Short: "Skip IPv6 duplicate address detection",
		Long: "IPv6 only: add the address without Duplicate Address Detection. Without it the start waits for DAD and fails, removing the address, when another node already uses it."},
	{Name: "noprefixroute", Type: ocf.Boolean, Default: "false", Short: "Add no subnet route",
		Long: "Do not create the route for the address's prefix (the kernel's noprefixroute address flag)."},
	{Name: "check_link_status", Type: ocf.Boolean, Default: "true", Short: "Fail when the interface is down",
		Long: "The monitor reports the address as not running when its interface is administratively down or has no carrier (operational state down or lower layer down), and the start waits for the interface to come up."},
}

var agent = ocf.Agent{
	Name:    "IPaddr",
	Version: version,
	Short:   "Floating IPv4 or IPv6 address, managed through netlink",
	Long: `Manages a floating IPv4 or IPv6 address. Everything happens inside the agent through netlink and raw sockets; the agent starts no other program and needs no PATH, so a monitor costs little more than starting a process.

Start adds the address (with its label), brings the interface up and announces the address: IPv4 sends unsolicited ARP requests whose sender and target address are both the floating address; IPv6 first waits for Duplicate Address Detection (a duplicate fails the start with a reason and the address is removed), then sends unsolicited Neighbor Advertisements with the Override flag to ff02::1 with hop limit 255. Every wait is bounded by the operation's timeout.

Stop removes the address (from the interface named by nic, or from any interface when nic is empty). Monitor reports the address running when it is on its interface and, with check_link_status, the interface is up.

Parameter names and meanings follow ocf:heartbeat:IPaddr2 where they overlap. A malformed address, or a prefix length out of range for its family, is a configuration error on every node (6); an interface or connected route that is missing on this node is a problem of this node only (start 5, probe 7).`,
	Params: params,
	Actions: []ocf.Action{
		{Name: "start", Func: start, Timeout: 10 * time.Second},
		{Name: "stop", Func: stop, Timeout: 10 * time.Second},
		{Name: "monitor", Func: monitor, Timeout: 20 * time.Second, Interval: 10 * time.Second},
		{Name: "validate-all", Func: validate, Timeout: 20 * time.Second},
	},
}

func main() { ocf.Main(agent) }
