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
	{Name: "network_namespace", Short: "Network namespace of the address", Check: checkNamespace,
		Long: "The named network namespace (as ip netns add creates it, in /run/netns) in which every action works: nic, the routes and the announcements are those of that namespace. A namespace missing on this node bans the resource from this node only (start 5, probe 7, stop 0). Empty: the agent's own namespace."},
	{Name: "send_arp_opts", Short: "Kind of IPv4 announcement", Check: checkSendARPOpts,
		Long: "IPv4 only: the arping options of IPaddr2 that choose the announcement. -A sends gratuitous ARP replies (as arping -A) instead of requests, for devices that ignore gratuitous requests; -U sends requests, the default. -b and -q are accepted and change nothing. Any other option is a configuration error (6), as the agent sends the packets itself."},
	{Name: "arp_sender", Short: "IPaddr2's ARP program", Check: checkARPSender,
		Long: "Accepted for configurations written for IPaddr2: send_arp, iputils_arping, libnet_arping or ipoibarping. The agent sends the announcements itself, the same for every value (choose replies with send_arp_opts); any other value is a configuration error (6), as in IPaddr2."},
	{Name: "arp_bg", Short: "Announce in the background (ignored)",
		Ignored: "announcements are always sent before start returns, within its timeout, so that a successful start means neighbours were told; no process outlives the operation."},
	{Name: "arp_mac", Default: "ffffffffffff", Short: "Destination of announcements", Check: checkBroadcastMAC,
		Long: "Accepted for configurations written for older IPaddr2 versions. Only the Ethernet broadcast address is allowed: announcements must reach every neighbour."},
	{Name: "flush_routes", Type: ocf.Boolean, Default: "false", Short: "Flush cached routes on stop (ignored)",
		Ignored: "IPaddr2 runs ip route flush cache after removing the address; the kernel (since Linux 3.6) invalidates every cached route itself when an address is removed, so local programs stop using the address at once anyway."},
	{Name: "lvs_support", Type: ocf.Boolean, Default: "false", Short: "LVS direct routing (unsupported)",
		Long: "Accepted for configurations written for IPaddr2 as false only: true (keep the address on loopback after stop) is a configuration error (6)."},
	{Name: "lvs_ipv6_addrlabel", Type: ocf.Boolean, Default: "false", Short: "IPv6 address label for LVS (unsupported)",
		Long: "Accepted for configurations written for IPaddr2 as false only: true is a configuration error (6)."},
	{Name: "lvs_ipv6_addrlabel_value", Type: ocf.Integer, Default: "99", Short: "IPv6 address label value (ignored)",
		Ignored: "it is only used with lvs_ipv6_addrlabel=true, which this agent refuses."},
	{Name: "run_arping", Type: ocf.Boolean, Default: "false", Short: "IPv4 duplicate address check",
		Long: "IPv4 only: before adding the address, the start sends two ARP probes (RFC 5227) a second apart and listens for two seconds; when another host answers for the address, or announces it, the start fails (1) naming that host's MAC address, and the address is not added. It costs the start two seconds. IPv6 addresses always go through duplicate address detection (see nodad)."},
	{Name: "unique_clone_address", Type: ocf.Boolean, Default: "false", Short: "Address per clone instance (unsupported)",
		Long: "Accepted for configurations written for IPaddr2 as false only: the agent refuses to run as a clone, so true is a configuration error (6)."},
	{Name: "clusterip_hash", Default: "sourceip-sourceport", Short: "CLUSTERIP hash (ignored)",
		Ignored: "IPaddr2 uses it only in a clone sharing the address through iptables CLUSTERIP; this agent refuses to run as a clone."},
	{Name: "mac", Short: "CLUSTERIP MAC address (ignored)",
		Ignored: "IPaddr2 uses it only in a clone sharing the address through iptables CLUSTERIP; this agent refuses to run as a clone."},
}

var agent = ocf.Agent{
	Name:    "IPaddr",
	Version: version,
	Short:   "Floating IPv4 or IPv6 address, managed through netlink",
	Long: `Manages a floating IPv4 or IPv6 address. Everything happens inside the agent through netlink and raw sockets; the agent starts no other program and needs no PATH, so a monitor costs little more than starting a process.

Start adds the address (with its label), brings the interface up and announces the address: IPv4 sends unsolicited ARP requests whose sender and target address are both the floating address; IPv6 first waits for Duplicate Address Detection (a duplicate fails the start with a reason and the address is removed), then sends unsolicited Neighbor Advertisements with the Override flag to ff02::1 with hop limit 255. Every wait is bounded by the operation's timeout.

Stop removes the address (from the interface named by nic, or from any interface when nic is empty). Monitor reports the address running when it is on its interface and, with check_link_status, the interface is up.

Parameter names and meanings follow ocf:heartbeat:IPaddr2 where they overlap, and every IPaddr2 parameter is declared, so that an IPaddr2 primitive switches by changing the provider; those whose feature the agent lacks are ignored with a logged reason or, where ignoring them would be silently wrong, refused (see Differences from IPaddr2). A malformed address, or a prefix length out of range for its family, is a configuration error on every node (6); an interface or connected route that is missing on this node is a problem of this node only (start 5, probe 7).`,
	Params:      params,
	ManSections: []ocf.ManSection{{Title: "Differences from IPaddr2", Body: differences}},
	Actions: []ocf.Action{
		{Name: "start", Func: ocf.Decoded(loadConfig, inNamespace(start)), Timeout: 10 * time.Second},
		{Name: "stop", Func: ocf.Decoded(loadConfig, inNamespace(stop)), Timeout: 10 * time.Second},
		{Name: "monitor", Func: ocf.Decoded(loadConfig, inNamespace(monitor)), Timeout: 20 * time.Second, Interval: 10 * time.Second},
		{Name: "validate-all", Func: ocf.Decoded(loadConfig, inNamespace(validate)), Timeout: 20 * time.Second},
	},
}

// differences lists where the agent deliberately answers otherwise than
// ocf:heartbeat:IPaddr2 (resource-agents 4.12), each with its reason.
const differences = `No interface or connected route of this node can hold the address, or nic or network_namespace does not exist here: start and validate-all return 5 (not installed), a probe 7, a stop 0. IPaddr2 answers 1 (or 6 for a missing nic). The problem belongs to this node: 5 bans the resource from it at once and lets the other node run it, where 1 would retry here until migration-threshold and 6 would stop it on every node.

Without broadcast, an IPv4 address gets the broadcast of its prefix (host bits set) for /30 and shorter, and none for /31 and /32, computed from the prefix alone. IPaddr2 copies the broadcast of the fixed address whose route it found, and adds none when that address has none (as ip addr add leaves it) or no route matched. The prefix alone defines the broadcast: the floating address must not depend on how the fixed one was configured.

No announcement is sent on a link without a 6-byte Ethernet address (InfiniBand, tun, loopback): the start succeeds and logs it. IPaddr2 uses ipoibarping on InfiniBand. The agent builds its packets itself for Ethernet only, and the address works without announcements: only neighbours' caches update later.

Announcements are sent before start returns, arp_interval apart, all within the start's timeout (arp_bg is ignored). IPaddr2 sends IPv4 ones from a background process by default, and its default send_arp ignores arp_interval and sends one a second. A successful start then means that neighbours were told, and no process outlives the operation.

IPv6: the start waits for duplicate address detection until its deadline and fails, removing the address, if it is still tentative then. IPaddr2 waits 10 seconds and goes on with a tentative address. An address that may still turn out to be a duplicate is not a started one.

With check_link_status (the default), a monitor reports the address not running when its interface is down or has no carrier. IPaddr2 reports it running. An address on a dead link serves nobody; it should move.

broadcast or iflabel with an IPv6 address is a configuration error (6) on every node. IPaddr2 ignores iflabel there and fails each start on broadcast (1), node after node. IPv6 has neither, and a configuration that sets them was probably meant for another address.

A clone with clone-max above 1, lvs_support, lvs_ipv6_addrlabel or unique_clone_address set to true, and any send_arp_opts option other than -A, -U, -b and -q are configuration errors (6). IPaddr2 implements them with iptables CLUSTERIP, ip addrlabel and arping options; accepting them without doing what they ask would be silently wrong.

flush_routes is ignored: the kernel (since Linux 3.6) invalidates cached routes itself when an address is removed, which is all ip route flush cache did.

The agent works through netlink and raw sockets in its own process: it needs no ip, send_arp or arping and no PATH, and network_namespace switches the agent's thread into the namespace instead of re-executing the agent through ip netns exec.`

func main() { ocf.Main(agent) }
