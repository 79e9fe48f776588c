package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
)

// Node is one cluster node.
type Node struct {
	Name    string
	ID      int
	NS      string // its network namespace
	LANIP   string
	XoverIP string
	Dir     string // its private state on the host
	tag     string // short name for the switch-side veth ends
	// watch is the event recorder node-init starts, "" for none, and
	// mountPoint the directory it watches.
	watch, mountPoint string
}

// The per-node directories bind-mounted over the host's, so that each node
// has its own Pacemaker and Corosync state.
var privateDirs = []struct {
	host, owner string
	mode        os.FileMode
}{
	{"/var/lib/pacemaker", "hacluster:haclient", 0o750},
	{"/var/lib/corosync", "root:root", 0o750},
	{"/etc/corosync", "root:root", 0o750},
	{"/var/log/pacemaker", "hacluster:haclient", 0o750},
	{"/var/log/corosync", "root:root", 0o750},
	// MailTo's mail is delivered on the node that sends it, by exim as
	// the mail group (Debian's mode).
	{"/var/mail", "root:mail", 0o2775},
}

var nodeInit = template.Must(template.New("node-init").Parse(`#!/bin/bash
# node-init of {{.Name}}: PID 1 of the node's PID namespace (written by the
# qvd-ha test harness).
set -eu
mount --make-rprivate /
# Keep the host's libvirt socket reachable under the private /run.
mount --bind /run/libvirt {{.Dir}}/host-libvirt 2>/dev/null || true
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mkdir -p /run/libvirt /run/crm /run/pacemaker /run/corosync /run/lock
mountpoint -q {{.Dir}}/host-libvirt && mount --bind {{.Dir}}/host-libvirt /run/libvirt
{{range .Private}}mount --bind {{$.Dir}}{{.}} {{.}}
{{end -}}
hostname {{.Name}}
# What systemd-tmpfiles does at boot for PostgreSQL's socket directory.
install -d -o postgres -g postgres -m 2775 /run/postgresql
# The node's clock service, synchronised to the router: -x never sets the
# clock (the host's, shared by every node); its socket in the private /run.
chronyd -x -f {{.Dir}}/chrony.conf -l {{.Dir}}/chrony/chronyd.log
{{if .Watch}}{{.Watch}} --log {{.Dir}}/events.log --mountpoint {{.MountPoint}} >>{{.Dir}}/nodewatch.log 2>&1 &
{{end -}}
corosync -f >>/var/log/corosync/stdout.log 2>&1 &
pacemakerd -f >>/var/log/pacemaker/stdout.log 2>&1 &
# As PID 1, reap every orphan until the node is killed.
while true; do wait || true; sleep 1; done
`))

// powerSwitch is the node's power: "on" boots node-init detached from
// the caller; "off" kills node-init (PID 1 of the node, so every process of
// the node goes with it) and returns only when no process of the node is
// left. The harness flips it directly, and the libvirt qemu hook flips it
// when the node's power domain starts or stops: libvirtd runs the hook
// synchronously inside a destroy, so the fencer never hears "off" while
// the node still runs. Each flip is logged with its time in nanoseconds.
var powerSwitch = template.Must(template.New("power").Parse(`#!/bin/bash
# power switch of {{.Name}} (written by the qvd-ha test harness)
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
init={{.Init}}
init_pid() {
	local p
	for p in $(pgrep -f "^/bin/bash $init\$"); do
		grep -qE '^NSpid:\s+[0-9]+\s+1$' /proc/$p/status 2>/dev/null && { echo $p; return; }
	done
}
# "on"/"off" from the harness, or libvirt's "<operation> <sub-operation>"
# from the qemu hook (its other events are ignored).
event="$*"
case "$event" in
on|"started begin") state=on ;;
off|"stopped end") state=off ;;
*) exit 0 ;;
esac
echo "$(date +%s%N) $event" >>{{.Dir}}/power.log
case $state in
on)
	[ -n "$(init_pid)" ] && exit 0
	ip -n {{.NS}} link set eth0 up
	ip -n {{.NS}} link set eth1 up
	setsid ip netns exec {{.NS}} unshare --mount --uts --pid --fork --mount-proc "$init" \
		>>{{.Dir}}/console.log 2>&1 </dev/null &
	;;
off)
	pid=$(init_pid)
	[ -z "$pid" ] && exit 0
	ns=$(readlink /proc/$pid/ns/pid)
	kill -KILL "$pid"
	for _ in $(seq 600); do
		left=0
		for p in /proc/[0-9]*; do
			[ "$(readlink $p/ns/pid 2>/dev/null)" = "$ns" ] && { left=1; break; }
		done
		if [ $left = 0 ]; then
			# The network namespace outlives the processes: a powered-off
			# machine's NICs are dead and it boots without the addresses
			# its agents added (the floating IP).
			ip -n {{.NS}} link set eth0 down
			ip -n {{.NS}} link set eth1 down
			ip -n {{.NS}} addr flush dev eth0
			ip -n {{.NS}} addr add {{.LAN}} dev eth0
			echo "$(date +%s%N) killed" >>{{.Dir}}/power.log
			exit 0
		fi
		sleep 0.05
	done
	echo "processes of {{.Name}} survive SIGKILL" >&2
	exit 1
	;;
esac
`))

func (n *Node) initPath() string  { return filepath.Join(n.Dir, "node-init") }
func (n *Node) powerPath() string { return filepath.Join(n.Dir, "power") }

// prepare writes the node's directories, corosync files and node-init.
func (n *Node) prepare(corosyncConf, authkey []byte) error {
	var private []string
	for _, d := range privateDirs {
		dir := n.Dir + d.host
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		if d.host == "/var/lib/pacemaker" {
			for _, sub := range []string{"cib", "pengine", "blackbox", "cores"} {
				if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
					return err
				}
			}
		}
		if out, err := exec.Command("chown", "-R", d.owner, dir).CombinedOutput(); err != nil {
			return fmt.Errorf("chown %s: %v: %s", dir, err, out)
		}
		if err := os.Chmod(dir, d.mode); err != nil {
			return err
		}
		private = append(private, d.host)
	}
	if err := os.MkdirAll(filepath.Join(n.Dir, "host-libvirt"), 0o755); err != nil {
		return err
	}
	if err := n.prepareClock(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(n.Dir, "etc/corosync/corosync.conf"), corosyncConf, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(n.Dir, "etc/corosync/authkey"), authkey, 0o400); err != nil {
		return err
	}
	var script bytes.Buffer
	if err := nodeInit.Execute(&script, struct {
		Name, Dir, Watch, MountPoint string
		Private                      []string
	}{n.Name, n.Dir, n.watch, n.mountPoint, private}); err != nil {
		return err
	}
	if err := os.WriteFile(n.initPath(), script.Bytes(), 0o755); err != nil {
		return err
	}
	script.Reset()
	if err := powerSwitch.Execute(&script, struct{ Name, Dir, NS, Init, LAN string }{n.Name, n.Dir, n.NS, n.initPath(), n.LANIP + "/" + netmaskBits}); err != nil {
		return err
	}
	return os.WriteFile(n.powerPath(), script.Bytes(), 0o755)
}

// prepareClock writes the node's chrony configuration: the router as its
// only server, iburst so that it is synchronised seconds after a boot,
// polled every 1-4 s (not chronyd's 64 s and up) so that it is
// synchronised again seconds after a case that cut the router off, and
// the drift file in a directory of chronyd's user (/var/lib/chrony's
// role).
func (n *Node) prepareClock() error {
	dir := filepath.Join(n.Dir, "chrony")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	if out, err := exec.Command("chown", "_chrony:_chrony", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("chown %s: %v: %s", dir, err, out)
	}
	conf := fmt.Sprintf("server %s iburst minpoll 0 maxpoll 2\ndriftfile %s\n", RouterIP, filepath.Join(dir, "drift"))
	return os.WriteFile(filepath.Join(n.Dir, "chrony.conf"), []byte(conf), 0o644)
}

// Boot switches the node on: node-init becomes PID 1 of new mount, UTS and
// PID namespaces inside the node's network namespace, detached from the
// caller. Booting a running node does nothing.
func (n *Node) Boot(ctx context.Context) error { return n.power(ctx, "on") }

// Kill switches the node off: every process of the node ends at once, as
// in a power loss (but see the package documentation), and Kill returns
// only when they are all gone.
func (n *Node) Kill(ctx context.Context) error { return n.power(ctx, "off") }

func (n *Node) power(ctx context.Context, state string) error {
	out, err := exec.CommandContext(ctx, n.powerPath(), state).CombinedOutput()
	if err != nil {
		return fmt.Errorf("power %s %s: %v: %s", state, n.Name, err, bytes.TrimSpace(out))
	}
	return nil
}

// InitPID is the host PID of the node's PID 1, or 0 when it is down.
func (n *Node) InitPID() int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(n.initPath())) {
			continue
		}
		status, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "NSpid:" && f[2] == "1" {
				return pid
			}
		}
	}
	return 0
}

// Exec runs a command inside the node (all its namespaces).
func (n *Node) Exec(ctx context.Context, args ...string) ([]byte, error) {
	pid := n.InitPID()
	if pid == 0 {
		return nil, fmt.Errorf("node %s is down", n.Name)
	}
	full := append([]string{"-t", strconv.Itoa(pid), "-m", "-n", "-u", "-p", "--"}, args...)
	out, err := exec.CommandContext(ctx, "nsenter", full...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s: %s: %v: %s", n.Name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return out, nil
}
