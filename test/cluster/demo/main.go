// Command qvd-ha-demo runs the suite's two-node cluster on this machine,
// in network namespaces, with the CIB qvd-ha-bootstrap writes (make demo,
// make demo-status, make demo-down). It is the test harness of
// test/cluster driven by hand; it needs root and the services of make
// services (libvirtd with the power hook).
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
	"github.com/qvd-ha/qvd-ha/test/cluster"
)

// The demo's fixed name and state directory, so that status and down find
// what up made.
const (
	name = "qvddemo"
	dir  = "/var/tmp/qvd-ha-demo"
)

const usage = `usage: qvd-ha-demo up | status | down | exec NODE COMMAND... | poweroff NODE | poweron NODE | query

  up        start the cluster (unless it runs) and wait for the database
  status    qvd-ha status on the node running the database (else one that answers);
            its exit status (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)
  down      remove everything: nodes, namespaces, power domains, disk, state
  exec      run a command inside a node (qvddb1, qvddb2)
  poweroff  destroy a node's power domain: a hard power-off, then fencing
  poweron   start it again: the node boots and rejoins
  query     read pacemaker_monitor through the floating IP from the client
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	code, err := run(ctx, os.Args[1], os.Args[2:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "qvd-ha-demo: "+err.Error())
	}
	os.Exit(code)
}

func run(ctx context.Context, cmd string, args []string) (int, error) {
	c := cluster.Attach(name, dir)
	switch cmd {
	case "up":
		return up(ctx, c)
	case "status":
		return status(ctx)
	case "down":
		c.Destroy()
		fmt.Println("demo cluster removed")
		return 0, nil
	case "exec":
		if len(args) < 2 || c.Node(args[0]) == nil {
			return 2, errors.New("exec NODE COMMAND...: NODE is qvddb1 or qvddb2")
		}
		out, err := c.Node(args[0]).Exec(ctx, args[1:]...)
		os.Stdout.Write(out)
		return exitOf(err), nil
	case "poweroff", "poweron":
		if len(args) != 1 || c.Node(args[0]) == nil {
			return 2, fmt.Errorf("%s NODE: NODE is qvddb1 or qvddb2", cmd)
		}
		power := c.PowerOff
		if cmd == "poweron" {
			power = c.PowerOn
		}
		if err := power(ctx, c.Node(args[0])); err != nil {
			return 1, err
		}
		return 0, nil
	case "query":
		return query(ctx)
	}
	fmt.Fprint(os.Stderr, usage)
	return 2, nil
}

func up(ctx context.Context, c *cluster.Cluster) (int, error) {
	if c.Nodes[0].InitPID() != 0 {
		fmt.Println("The demo cluster is already running.")
		return status(ctx)
	}
	c.Destroy() // whatever a crashed run left
	logf := func(format string, a ...any) { fmt.Printf("qvd-ha-demo: "+format+"\n", a...) }
	s, err := cluster.Up(ctx, name, dir, nil, logf)
	if err != nil {
		if s != nil && s.Cluster != nil {
			s.Destroy()
		}
		return 1, err
	}
	if code, err := status(ctx); err != nil {
		return code, err
	}
	if code, err := query(ctx); code != 0 {
		return code, err
	}
	self := os.Args[0]
	fmt.Printf(`
The database runs on qvddb1 behind 192.0.2.10. Try, with crm_mon in another terminal
(%[1]s exec qvddb2 crm_mon):
  %[1]s exec qvddb1 qvd-ha -c %[2]s status
  %[1]s exec qvddb1 qvd-ha -c %[2]s switchover    # planned switch-over
  %[1]s poweroff qvddb1                                   # power loss of the active node: qvddb2 fences
                                                                    # it (a reboot: it comes back) and takes over;
                                                                    # nothing moves back when it rejoins
  %[1]s poweron qvddb1                                    # only needed when a node stays off
  %[1]s query                                             # through the floating IP, from the client
  make demo-status; make demo-down
`, self, s.ConfigFile)
	return 0, nil
}

// status runs qvd-ha status on the node that runs the database: its view
// is the whole one (the database's writes too), while a node that has just
// rebooted answers from a partial view, and right after a power-off the
// powered-off node does not answer at all. Without such a node, the first
// whose cluster stack answers (not UNKNOWN); without one, the first node up
// says what it could read.
func status(ctx context.Context) (int, error) {
	s := cluster.AttachStack(name, dir)
	var chosen, answering, up *cluster.Node
	for _, n := range s.Nodes {
		res, err := s.QVDHA(ctx, n, "status", "--json", "--backup-dir", backupDir(n))
		if err != nil {
			fmt.Fprintf(os.Stderr, "qvd-ha-demo: %s: %v\n", n.Name, err)
			continue
		}
		var r struct {
			Cluster *struct {
				DatabaseOn []string `json:"database_on"`
			} `json:"cluster"`
		}
		if err := json.Unmarshal(res.Stdout, &r); err != nil {
			fmt.Fprintf(os.Stderr, "qvd-ha-demo: %s: qvd-ha status --json: %v\n", n.Name, err)
			continue
		}
		up = cmp.Or(up, n)
		if res.ExitCode != 3 {
			answering = cmp.Or(answering, n)
		}
		if r.Cluster != nil && slices.Equal(r.Cluster.DatabaseOn, []string{n.Name}) {
			chosen = n
			break
		}
	}
	chosen = cmp.Or(chosen, answering, up)
	if chosen == nil {
		return 3, errors.New("no node of the demo cluster is running (make demo)")
	}
	fmt.Fprintf(os.Stderr, "qvd-ha-demo: qvd-ha status on %s\n", chosen.Name)
	res, err := s.QVDHA(ctx, chosen, "status", "--backup-dir", backupDir(chosen))
	if err != nil {
		return 3, err
	}
	return show(res), nil
}

// backupDir is where the node's backups would be: its own directory, not
// the host's /var/backup, which both nodes share.
func backupDir(n *cluster.Node) string { return filepath.Join(n.Dir, "backup") }

func show(res runner.Result) int {
	os.Stdout.Write(res.Stdout)
	os.Stderr.Write(res.Stderr)
	return res.ExitCode
}

// query reads through the floating IP from the client namespace, as QVD
// would; the password travels in the environment, not the command line.
func query(ctx context.Context) (int, error) {
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", name+"client", "psql", "-h", cluster.DatabaseIP,
		"-U", "qvd", "-d", "qvddb", "-c", "select now() as asked_at, last_update as monitor_wrote_at from pacemaker_monitor")
	cmd.Env = append(os.Environ(), "PGPASSWORD="+cluster.DBPassword, "PGCONNECT_TIMEOUT=5")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return exitOf(cmd.Run()), nil
}

func exitOf(err error) int {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	default:
		fmt.Fprintln(os.Stderr, "qvd-ha-demo: "+err.Error())
		return 1
	}
}
