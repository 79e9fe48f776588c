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
}

// The per-node directories bind-mounted over the host's, so that each node
// has its own Pacemaker and Corosync state.
var privateDirs = []struct{ host, owner string }{
	{"/var/lib/pacemaker", "hacluster:haclient"},
	{"/var/lib/corosync", "root:root"},
	{"/etc/corosync", "root:root"},
	{"/var/log/pacemaker", "hacluster:haclient"},
	{"/var/log/corosync", "root:root"},
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
corosync -f >>/var/log/corosync/stdout.log 2>&1 &
pacemakerd -f >>/var/log/pacemaker/stdout.log 2>&1 &
# As PID 1, reap every orphan until the node is killed.
while true; do wait || true; sleep 1; done
`))

func (n *Node) initPath() string { return filepath.Join(n.Dir, "node-init") }

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
		private = append(private, d.host)
	}
	if err := os.MkdirAll(filepath.Join(n.Dir, "host-libvirt"), 0o755); err != nil {
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
		Name, Dir string
		Private   []string
	}{n.Name, n.Dir, private}); err != nil {
		return err
	}
	return os.WriteFile(n.initPath(), script.Bytes(), 0o755)
}

// Boot starts the node: node-init as PID 1 of new mount, UTS and PID
// namespaces inside the node's network namespace, detached from the caller.
func (n *Node) Boot() error {
	if n.InitPID() != 0 {
		return fmt.Errorf("node %s is already running", n.Name)
	}
	console, err := os.OpenFile(filepath.Join(n.Dir, "console.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer console.Close()
	cmd := exec.Command("setsid", "ip", "netns", "exec", n.NS,
		"unshare", "--mount", "--uts", "--pid", "--fork", "--mount-proc", n.initPath())
	cmd.Stdout, cmd.Stderr = console, console
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("boot %s: %w", n.Name, err)
	}
	// Reap the setsid wrapper whenever the node is killed; its status says
	// nothing the harness needs.
	go func() { _ = cmd.Wait() }()
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
