package cluster

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// State is the cluster as one node's crm_mon shows it.
type State = pcmk.Status

// OpFailure is a failed operation crm_mon still reports.
type OpFailure = pcmk.Failure

// Status reads the cluster state as node n sees it.
func (c *Cluster) Status(ctx context.Context, n *Node) (*State, error) {
	s, err := pcmk.Tools{Run: runner.Func(n.runInside)}.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.Name, err)
	}
	return s, nil
}

// Poll calls cond with the state node n sees, every half second, until
// cond returns "" (done) or ctx ends; the error then quotes cond's last
// complaint.
func (c *Cluster) Poll(ctx context.Context, n *Node, cond func(*State) string) error {
	return PollState(ctx, n.Name, 500*time.Millisecond, func(ctx context.Context) (*State, error) { return c.Status(ctx, n) }, cond)
}

// PollState calls cond with what status reads on node, every interval,
// until cond returns "" or ctx ends; the error quotes the last complaint
// (or the last failure to read the state).
func PollState(ctx context.Context, node string, every time.Duration, status func(context.Context) (*State, error), cond func(*State) string) error {
	last := ""
	for {
		s, err := status(ctx)
		if err != nil {
			last = err.Error()
		} else if last = cond(s); last == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("as %s sees it: %s", node, last)
		case <-time.After(every):
		}
	}
}

// DatabaseResources are the group's members, in start order.
var DatabaseResources = []string{"p_fs_postgres", "p_ip_postgres", "p_postgres"}

// WaitDatabase waits until the database group runs on n, as n sees it.
func (s *Stack) WaitDatabase(ctx context.Context, n *Node) error {
	want := "Started " + n.Name
	return s.Poll(ctx, n, func(st *State) string {
		for _, r := range DatabaseResources {
			if got := strings.Join(st.Where(r), ", "); got != want {
				return fmt.Sprintf("%s is %q, want %q", r, got, want)
			}
		}
		return ""
	})
}

// Fencing is a fencing operation as a node's fencer and controller logged
// it. The logs, not stonith_admin --history: the history keeps one entry
// per target, so a second fencing of a node is not seen there, and it
// has whole seconds only.
type Fencing struct {
	Node     string    // whose log
	Action   string    // reboot, off
	Target   string    // the node to fence
	Delegate string    // the node that ran the device; "" for a request
	At       time.Time // to the millisecond
}

var (
	fenceConfirmed = regexp.MustCompile(`\(finalize_op\).*Operation '(\w+)' targeting (\S+) by (\S+) for .*: OK`)
	fenceRequested = regexp.MustCompile(`\(controld_execute_fence_action\).*Requesting fencing \((\w+)\) of node (\S+)`)
)

// Fencings are the fencing operations confirmed (Delegate set) or requested
// by a controller (Delegate "") since the given time, from every node's
// Pacemaker log.
func (c *Cluster) Fencings(since time.Time) ([]Fencing, error) {
	var out []Fencing
	for _, n := range c.Nodes {
		f, err := os.Open(filepath.Join(n.Dir, "var/log/pacemaker/pacemaker.log"))
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			var fe Fencing
			if m := fenceConfirmed.FindStringSubmatch(line); m != nil {
				fe = Fencing{Node: n.Name, Action: m[1], Target: m[2], Delegate: m[3]}
			} else if m := fenceRequested.FindStringSubmatch(line); m != nil {
				fe = Fencing{Node: n.Name, Action: m[1], Target: m[2]}
			} else {
				continue
			}
			at, err := LogTime(line, since.Year(), time.Local)
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("%s's log: %w", n.Name, err)
			}
			if fe.At = at; at.After(since) {
				out = append(out, fe)
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LogTime is the time a Pacemaker log line starts with ("Nov 28
// 10:21:05.887 qvddb2 ..."), in the node's time zone loc, which the line
// does not say, and in year, which it does not say either.
func LogTime(line string, year int, loc *time.Location) (time.Time, error) {
	const stamp = "Jan _2 15:04:05.000"
	if len(line) < len(stamp) {
		return time.Time{}, fmt.Errorf("no time stamp in %q", line)
	}
	at, err := time.ParseInLocation(stamp+" 2006", line[:len(stamp)]+" "+strconv.Itoa(year), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("time stamp of %q: %w", line, err)
	}
	return at, nil
}
