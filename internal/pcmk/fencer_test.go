//go:build root

package pcmk

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// fencerConf is a one-node corosync for a fencer that keeps a history: in
// stand-alone mode (-s) pacemaker-fenced fences but remembers nothing.
const fencerConf = `totem {
  version: 2
  cluster_name: pcmktest
  crypto_cipher: none
  crypto_hash: none
  transport: knet
}
nodelist {
  node {
    ring0_addr: 127.0.0.1
    name: qvddb1
    nodeid: 1
  }
}
quorum {
  provider: corosync_votequorum
}
logging {
  to_logfile: yes
  logfile: %s/corosync.log
  to_stderr: no
  to_syslog: no
}
`

// fencer starts corosync and pacemaker-fenced (with CPG) as node qvddb1 in
// private mount, network, UTS and PID namespaces, and returns a runner
// for commands in them. Everything they write stays in tmpfs or dir.
func fencer(t *testing.T) runner.Runner {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "etc", "corosync.conf"), []byte(fmt.Sprintf(fencerConf, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `set -e
for d in /dev/shm /run /var/lib/corosync /var/lib/pacemaker /var/log/pacemaker /var/log/cluster; do
	if [ -d $d ]; then mount -t tmpfs tmpfs $d; fi
done
mkdir -p /var/lib/pacemaker/cores
mount --bind "$1/etc" /etc/corosync
hostname qvddb1
ip link set lo up
corosync
# corosync forks before it listens; the fencer gives up at once without it.
i=0
until corosync-cfgtool -s >/dev/null 2>&1; do
	i=$((i+1)); [ $i -lt 100 ] || exit 1; sleep 0.1
done
exec /usr/lib/pacemaker/pacemaker-fenced -c -l "$1/fenced.log"`
	// The namespaces end with unshare: its child is their PID 1.
	cmd := exec.Command("unshare", "-m", "-n", "-u", "-p", "--fork", "--kill-child", "--propagation", "private", "sh", "-c", script, "sh", dir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	init := 0
	run := runner.Func(func(ctx context.Context, c runner.Cmd) (runner.Result, error) {
		c.Args = append([]string{"-t", strconv.Itoa(init), "-m", "-n", "-u", "-p", "--", c.Path}, c.Args...)
		c.Path = "nsenter"
		return runner.Exec{}.Run(ctx, c)
	})
	ctx := testContext(t)
	var last error
	for {
		if init == 0 {
			children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
			init, _ = strconv.Atoi(strings.TrimSpace(string(children)))
		}
		if init != 0 {
			if _, last = run.Run(ctx, runner.Cmd{Path: StonithAdmin, Args: []string{"--list-registered"}}); last == nil {
				return run
			}
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("the fencer's namespaces ended: %v\n%s", err, out.String())
		case <-ctx.Done():
			t.Fatalf("the fencer did not answer: %v\n%s", last, out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// The history's command line against a real fencer that has fenced a
// node, with fence-agents' fence_dummy as the device.
func TestFenceHistory(t *testing.T) {
	run := fencer(t)
	ctx := testContext(t)
	for _, args := range [][]string{
		{"--register=dummy1", "--agent=fence_dummy", "--option=pcmk_host_list=qvddb1 qvddb2", "--option=type=file"},
		{"--reboot=qvddb2", "--timeout=20"},
	} {
		if res, err := run.Run(ctx, runner.Cmd{Path: StonithAdmin, Args: args}); err != nil {
			t.Fatalf("stonith_admin %s: %v\n%s", strings.Join(args, " "), err, res.Stdout)
		}
	}
	before := time.Now()
	tools := Tools{Run: run}
	all, err := tools.FenceHistory(ctx, "*")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		t.Fatalf("history %+v, want the one reboot", all)
	}
	ev := all[0]
	if at := ev.Completed; at.IsZero() || at.After(before) || before.Sub(at) > time.Minute {
		t.Errorf("completed at %s, want within the minute before %s", at, before)
	}
	ev.Completed = time.Time{}
	if want := (FenceEvent{Target: "qvddb2", Action: "reboot", Status: "success", Delegate: "qvddb1", Origin: "qvddb1"}); ev != want {
		t.Errorf("event %+v, want %+v", ev, want)
	}
	for target, want := range map[string]int{"qvddb2": 1, "qvddb1": 0} {
		got, err := tools.FenceHistory(ctx, target)
		if err != nil || len(got) != want || !slices.ContainsFunc(got, func(e FenceEvent) bool { return e.Target == target }) && want > 0 {
			t.Errorf("history of %s: %+v, %v; want %d events", target, got, err, want)
		}
	}
}
