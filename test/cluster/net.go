package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Addresses on the LAN (192.0.2.0/24) and the crossover link
// (198.51.100.0/24), documentation ranges used only inside namespaces.
const (
	lanPrefix    = "192.0.2."
	xoverPrefix  = "198.51.100."
	RouterIP     = lanPrefix + "254"
	ClientIP     = lanPrefix + "100"
	DatabaseIP   = lanPrefix + "10" // the floating IP
	netmaskBits  = "24"
	commandLimit = 30 * time.Second
)

// ip runs iproute2 (test tooling; the agents never spawn it).
func ip(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), commandLimit)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func ipAll(cmds ...[]string) error {
	for _, c := range cmds {
		if err := ip(c...); err != nil {
			return err
		}
	}
	return nil
}

// network is the switch namespace holding both bridges, plus the client.
type network struct {
	prefix string // namespace name prefix, unique per cluster
}

func (n network) switchNS() string { return n.prefix + "sw" }
func (n network) clientNS() string { return n.prefix + "client" }

func (n network) create() error {
	sw := n.switchNS()
	if err := ipAll(
		[]string{"netns", "add", sw},
		[]string{"-n", sw, "link", "set", "lo", "up"},
		[]string{"-n", sw, "link", "add", "brlan", "type", "bridge"},
		[]string{"-n", sw, "link", "add", "brxo", "type", "bridge"},
		[]string{"-n", sw, "link", "set", "brlan", "up"},
		[]string{"-n", sw, "link", "set", "brxo", "up"},
		// The router the ping resource checks.
		[]string{"-n", sw, "addr", "add", RouterIP + "/" + netmaskBits, "dev", "brlan"},
		[]string{"netns", "add", n.clientNS()},
	); err != nil {
		return err
	}
	return n.plug(n.clientNS(), "eth0", "brlan", "client", ClientIP)
}

// plug connects a namespace to a bridge with a veth pair and addresses it.
func (n network) plug(ns, dev, bridge, tag, addr string) error {
	peer := tag + "-" + dev // the switch side; at most 15 characters
	return ipAll(
		[]string{"-n", n.switchNS(), "link", "add", peer, "type", "veth", "peer", "name", dev, "netns", ns},
		[]string{"-n", n.switchNS(), "link", "set", peer, "master", bridge, "up"},
		[]string{"-n", ns, "link", "set", "lo", "up"},
		[]string{"-n", ns, "addr", "add", addr + "/" + netmaskBits, "dev", dev},
		[]string{"-n", ns, "link", "set", dev, "up"},
	)
}

// cut takes a node's link down on the switch side, as a pulled cable.
func (n network) cut(tag, dev string, down bool) error {
	state := "up"
	if down {
		state = "down"
	}
	return ip("-n", n.switchNS(), "link", "set", tag+"-"+dev, state)
}

// routerChrony is the router's chronyd: the site's time server for the
// nodes. -x: it never sets the clock, which is the host's and every
// namespace's; "local" makes it a source although it follows none, as a
// site's NTP server that lost its upstream still serves. No command socket:
// /run is the host's in the switch namespace.
const routerChrony = `local stratum 8
allow
driftfile %[1]s/drift
pidfile %[1]s/chronyd.pid
bindcmdaddress /
cmdport 0
`

// serveTime starts the router's chronyd, its files in dir.
func (n network) serveTime(dir string) error {
	dir = filepath.Join(dir, "router-chrony")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("router's chronyd: %w", err)
	}
	if out, err := exec.Command("chown", "_chrony:_chrony", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("router's chronyd: chown %s: %v: %s", dir, err, out)
	}
	conf := filepath.Join(dir, "chrony.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(routerChrony, dir)), 0o644); err != nil {
		return fmt.Errorf("router's chronyd: %w", err)
	}
	// chronyd forks into the background once it serves.
	return ip("netns", "exec", n.switchNS(), "chronyd", "-x", "-f", conf, "-l", filepath.Join(dir, "chronyd.log"))
}

func (n network) destroy() {
	_ = ip("netns", "del", n.clientNS())
	// The router's chronyd is the switch namespace's only process; it
	// would keep the namespace alive after its name is gone.
	if out, err := exec.Command("ip", "netns", "pids", n.switchNS()).Output(); err == nil {
		for _, f := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil {
				if p, err := os.FindProcess(pid); err == nil {
					_ = p.Kill()
				}
			}
		}
	}
	_ = ip("netns", "del", n.switchNS())
}
