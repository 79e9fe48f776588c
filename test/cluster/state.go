package cluster

import (
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// State is the cluster as one node's crm_mon --output-as=xml shows it.
type State struct {
	Nodes []struct {
		Name    string `xml:"name,attr"`
		Online  bool   `xml:"online,attr"`
		Standby bool   `xml:"standby,attr"`
		Unclean bool   `xml:"unclean,attr"`
	} `xml:"nodes>node"`
	// Resources are every primitive, with the groups and clones around
	// them flattened away.
	Resources []Resource `xml:"resources>resource"`
	Groups    []struct {
		Resources []Resource `xml:"resource"`
	} `xml:"resources>group"`
	Clones []struct {
		Resources []Resource `xml:"resource"`
	} `xml:"resources>clone"`
	Failures []OpFailure `xml:"failures>failure"`
	// Attributes are the transient node attributes the cluster has
	// written (pingd once its dampening delay has passed).
	Attributes []struct {
		Node  string `xml:"name,attr"`
		Attrs []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"attribute"`
	} `xml:"node_attributes>node"`
}

// Attribute is the value of node's attribute name as written to the CIB,
// "" when it is not.
func (s *State) Attribute(node, name string) string {
	for _, n := range s.Attributes {
		if n.Node != node {
			continue
		}
		for _, a := range n.Attrs {
			if a.Name == name {
				return a.Value
			}
		}
	}
	return ""
}

// OpFailure is a failed operation crm_mon still reports.
type OpFailure struct {
	OpKey string `xml:"op_key,attr"`
	Node  string `xml:"node,attr"`
}

// Resource is one primitive (or clone instance).
type Resource struct {
	ID     string `xml:"id,attr"`
	Role   string `xml:"role,attr"`
	Active bool   `xml:"active,attr"`
	Failed bool   `xml:"failed,attr"`
	Nodes  []struct {
		Name string `xml:"name,attr"`
	} `xml:"node"`
}

func (s *State) online(name string) (online, known bool) {
	for _, n := range s.Nodes {
		if n.Name == name {
			return n.Online, true
		}
	}
	return false, false
}

// Where lists "Role node" for each node on which rsc is active, sorted:
// "Started qvddb1"; empty when it is stopped everywhere.
func (s *State) Where(rsc string) []string {
	all := slices.Clone(s.Resources)
	for _, g := range s.Groups {
		all = append(all, g.Resources...)
	}
	for _, c := range s.Clones {
		all = append(all, c.Resources...)
	}
	var out []string
	for _, r := range all {
		if r.ID != rsc || !r.Active {
			continue
		}
		for _, n := range r.Nodes {
			out = append(out, r.Role+" "+n.Name)
		}
	}
	slices.Sort(out)
	return out
}

// Status reads the cluster state as node n sees it.
func (c *Cluster) Status(ctx context.Context, n *Node) (*State, error) {
	out, err := n.Exec(ctx, "crm_mon", "--output-as=xml", "--include=attributes", "-1")
	if err != nil {
		return nil, err
	}
	return ParseState(n.Name, out)
}

// ParseState reads what crm_mon --output-as=xml printed on node.
func ParseState(node string, out []byte) (*State, error) {
	var s State
	if err := xml.Unmarshal(out, &s); err != nil {
		return nil, fmt.Errorf("crm_mon on %s: %w", node, err)
	}
	return &s, nil
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
