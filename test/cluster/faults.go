package cluster

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The faults of the runbook's section 11, as an administrator (or bad luck)
// causes them.

// Reboot shuts the node down cleanly (Pacemaker stops its resources and
// leaves, then corosync leaves), switches it off and on again, and
// returns once it is back online.
func (c *Cluster) Reboot(ctx context.Context, n *Node) error {
	if err := c.StopStack(ctx, n); err != nil {
		return err
	}
	return c.PowerCycle(ctx, n)
}

// StopStack stops the node's cluster stack cleanly, as systemctl stop
// pacemaker corosync: Pacemaker stops its resources and leaves, then
// corosync leaves. The node stays up (its clock, its files); a reboot
// (PowerCycle) starts the stack again.
func (c *Cluster) StopStack(ctx context.Context, n *Node) error {
	if _, err := n.Exec(ctx, "pacemakerd", "--shutdown"); err != nil {
		return err
	}
	for {
		if _, err := n.Exec(ctx, "pgrep", "-x", "pacemakerd"); err != nil {
			break // pgrep: no such process
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pacemaker on %s did not stop", n.Name)
		case <-time.After(200 * time.Millisecond):
		}
	}
	_, err := n.Exec(ctx, "corosync-cfgtool", "-H", "--force")
	return err
}

// PowerCycle switches the node off and on again and returns once it is
// back online.
func (c *Cluster) PowerCycle(ctx context.Context, n *Node) error {
	if err := n.Kill(ctx); err != nil {
		return err
	}
	if err := n.Boot(ctx); err != nil {
		return err
	}
	return c.WaitOnline(ctx, c.Nodes...)
}

// PowerOff destroys the node's power domain: libvirt's hook kills the node
// before the destroy returns, as a pulled plug.
func (c *Cluster) PowerOff(ctx context.Context, n *Node) error {
	_, err := virsh(ctx, "destroy", c.PowerDomain(n))
	return err
}

// Links of a node.
const (
	LAN       = "eth0"
	Crossover = "eth1"
)

// Cut pulls (or, with restore, plugs back) one of the node's cables at the
// switch.
func (c *Cluster) Cut(n *Node, link string, restore bool) error {
	return c.net.cut(n.tag, link, !restore)
}

// KillPostmaster kills the node's postmaster with SIGKILL (the oldest
// postgres process of the node), as the runbook's "kill -9" test.
func (c *Cluster) KillPostmaster(ctx context.Context, n *Node) error {
	_, err := n.Exec(ctx, "pkill", "-KILL", "--oldest", "-x", "postgres")
	return err
}

// BlockRouter makes the router unreachable from the node (a blackhole
// route in the node), or reachable again with restore; clients on the LAN
// still reach the node.
func (c *Cluster) BlockRouter(n *Node, restore bool) error {
	op := "add"
	if restore {
		op = "del"
	}
	return ip("-n", n.NS, "route", op, "blackhole", RouterIP+"/32")
}

// FreezeLibvirtd stops (or, with thaw, continues) the host's libvirtd:
// fencing then hangs until the agent's own deadline.
func FreezeLibvirtd(thaw bool) error {
	out, err := exec.Command("pgrep", "-x", "libvirtd").Output()
	if err != nil {
		return fmt.Errorf("libvirtd is not running: %w", err)
	}
	sig := syscall.SIGSTOP
	if thaw {
		sig = syscall.SIGCONT
	}
	for _, f := range strings.Fields(string(out)) {
		pid, _ := strconv.Atoi(f)
		if err := syscall.Kill(pid, sig); err != nil {
			return err
		}
	}
	return nil
}

// KillTimes are the moments the node's processes were all gone after a
// power-off, from its power switch's log.
func (n *Node) KillTimes() ([]time.Time, error) {
	f, err := os.Open(filepath.Join(n.Dir, "power.log"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []time.Time
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		ns, event, _ := strings.Cut(sc.Text(), " ")
		if event != "killed" {
			continue
		}
		v, err := strconv.ParseInt(ns, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s power.log: %q", n.Name, sc.Text())
		}
		out = append(out, time.Unix(0, v))
	}
	return out, sc.Err()
}
