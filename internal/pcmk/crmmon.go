package pcmk

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Status is the cluster as crm_mon --output-as=xml shows it.
type Status struct {
	Nodes []Node
	// Resources are every primitive and clone instance, with the groups
	// and clones around them flattened away.
	Resources []Resource
	Failures  []Failure
	// Attributes are the transient node attributes written to the CIB
	// (pingd once its dampening delay has passed, promotion scores).
	Attributes []NodeAttributes
	// MaintenanceMode is the cluster property: nothing is started,
	// stopped, monitored or recovered while it is set.
	MaintenanceMode bool
	// History is each node's record of each resource: fail counts and
	// the last operations, from which "running since" is read.
	History []ResourceHistory
}

// ResourceHistory is what one node remembers of one resource.
type ResourceHistory struct {
	Node, Resource string
	// FailCount is 0 without failures; a fail count reaching
	// MigrationThreshold bans the node until failure-timeout has passed
	// since LastFailure, or a cleanup.
	FailCount          int
	MigrationThreshold int
	LastFailure        time.Time
	Ops                []OpHistory
}

// OpHistory is the last result of one operation.
type OpHistory struct {
	Task string // start, stop, monitor, promote, ...
	RC   int
	// Changed is when the result last changed (last-rc-change): for a
	// start, when the resource started.
	Changed time.Time
}

// Node is a cluster node's membership.
type Node struct {
	Name    string `xml:"name,attr"`
	Online  bool   `xml:"online,attr"`
	Standby bool   `xml:"standby,attr"`
	Unclean bool   `xml:"unclean,attr"`
	// Maintenance is the node's own maintenance attribute.
	Maintenance bool `xml:"maintenance,attr"`
}

// Resource is one primitive or clone instance; Nodes are where it is active.
type Resource struct {
	ID     string `xml:"id,attr"`
	Role   string `xml:"role,attr"` // Started, Stopped, Promoted, Unpromoted
	Active bool   `xml:"active,attr"`
	Failed bool   `xml:"failed,attr"`
	Nodes  []struct {
		Name string `xml:"name,attr"`
	} `xml:"node"`
}

// Failure is a failed operation crm_mon still reports (until a cleanup or
// its failure-timeout).
type Failure struct {
	OpKey string `xml:"op_key,attr"` // p_postgres_monitor_10000
	Node  string `xml:"node,attr"`
	// ExitReason is the agent's ocf-exit-reason, "" when it gave none.
	ExitReason string `xml:"exitreason,attr"`
}

// NodeAttributes are one node's transient attributes.
type NodeAttributes struct {
	Node  string `xml:"name,attr"`
	Attrs []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	} `xml:"attribute"`
}

// Status runs crm_mon once and reads the cluster's state.
func (p Tools) Status(ctx context.Context) (*Status, error) {
	res, err := p.run(ctx, CrmMon, "--output-as=xml", "--include=attributes", "-1")
	if err != nil {
		return nil, fmt.Errorf("cluster status: %w", err)
	}
	return ParseStatus(res.Stdout)
}

// group is a group's members; a clone of a group holds groups.
type group struct {
	Resources []Resource `xml:"resource"`
}

// ParseStatus reads what crm_mon --output-as=xml printed.
func ParseStatus(out []byte) (*Status, error) {
	var doc struct {
		result
		Summary *struct {
			Options struct {
				MaintenanceMode bool `xml:"maintenance-mode,attr"`
			} `xml:"cluster_options"`
		} `xml:"summary"`
		Nodes     []Node     `xml:"nodes>node"`
		Resources []Resource `xml:"resources>resource"`
		Groups    []group    `xml:"resources>group"`
		Clones    []struct {
			group
			Groups []group `xml:"group"`
		} `xml:"resources>clone"`
		Failures   []Failure        `xml:"failures>failure"`
		Attributes []NodeAttributes `xml:"node_attributes>node"`
		History    []struct {
			Name      string `xml:"name,attr"`
			Resources []struct {
				ID                 string `xml:"id,attr"`
				FailCount          string `xml:"fail-count,attr"`
				MigrationThreshold string `xml:"migration-threshold,attr"`
				LastFailure        string `xml:"last-failure,attr"`
				Ops                []struct {
					Task    string `xml:"task,attr"`
					RC      int    `xml:"rc,attr"`
					Changed string `xml:"last-rc-change,attr"`
				} `xml:"operation_history"`
			} `xml:"resource_history"`
		} `xml:"node_history>node"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("cluster status: crm_mon: %w", err)
	}
	// crm_mon exits 0 when CIB_file names no file, with an error and no
	// summary: that is no cluster, not an empty one.
	if doc.Summary == nil {
		msg := oneLine(doc.Status.Errors)
		if msg == "" {
			msg = "no summary in its output"
		}
		return nil, fmt.Errorf("cluster status: crm_mon: %w", errors.New(msg))
	}
	s := &Status{Nodes: doc.Nodes, Resources: doc.Resources, Failures: doc.Failures, Attributes: doc.Attributes,
		MaintenanceMode: doc.Summary.Options.MaintenanceMode}
	for _, n := range doc.History {
		for _, r := range n.Resources {
			h := ResourceHistory{Node: n.Name, Resource: r.ID}
			var err error
			if h.FailCount, err = score(r.FailCount); err != nil {
				return nil, fmt.Errorf("cluster status: fail count of %s on %s: %w", r.ID, n.Name, err)
			}
			if h.MigrationThreshold, err = score(r.MigrationThreshold); err != nil {
				return nil, fmt.Errorf("cluster status: migration-threshold of %s on %s: %w", r.ID, n.Name, err)
			}
			h.LastFailure = monTime(r.LastFailure)
			for _, op := range r.Ops {
				h.Ops = append(h.Ops, OpHistory{Task: op.Task, RC: op.RC, Changed: monTime(op.Changed)})
			}
			s.History = append(s.History, h)
		}
	}
	for _, g := range doc.Groups {
		s.Resources = append(s.Resources, g.Resources...)
	}
	for _, c := range doc.Clones {
		s.Resources = append(s.Resources, c.Resources...)
		for _, g := range c.Groups {
			s.Resources = append(s.Resources, g.Resources...)
		}
	}
	return s, nil
}

// Where lists "Role node" for each node on which rsc is active, sorted:
// "Started qvddb1"; empty when it is stopped everywhere.
func (s *Status) Where(rsc string) []string {
	var out []string
	for _, r := range s.Resources {
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

// Online says whether the named node is online, and known whether it is
// a member at all.
func (s *Status) Online(name string) (online, known bool) {
	for _, n := range s.Nodes {
		if n.Name == name {
			return n.Online, true
		}
	}
	return false, false
}

// Attribute is the value of node's attribute name as written to the CIB,
// "" when it is not.
func (s *Status) Attribute(node, name string) string {
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

// score reads a fail count or threshold: absent is 0, INFINITY is
// Pacemaker's 1000000.
func score(v string) (int, error) {
	switch v {
	case "":
		return 0, nil
	case "INFINITY", "+INFINITY":
		return 1000000, nil
	}
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil {
		return 0, fmt.Errorf("%q is not a number", v)
	}
	return n, nil
}

// monTimeLayouts are the forms crm_mon prints node history times in:
// ctime(3) in the local time zone of the machine running it ("Sun Dec  6
// 22:20:45 2026", Pacemaker 2.1.5), and the ISO form its failures list uses.
var monTimeLayouts = []string{time.ANSIC, "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 -07:00"}

// monTime reads a node history time; zero when absent or in a form not
// known here: every user of Status parses it, and only the operations
// commands read these times, so a new Pacemaker's format must not fail
// the others.
func monTime(v string) time.Time {
	for _, layout := range monTimeLayouts {
		if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
			return t
		}
	}
	return time.Time{}
}

// Since is when rsc last started on node (its start's last-rc-change),
// zero when the node's history has no successful start.
func (s *Status) Since(rsc, node string) time.Time {
	for _, h := range s.History {
		if h.Resource != rsc || h.Node != node {
			continue
		}
		var at time.Time
		for _, op := range h.Ops {
			if (op.Task == "start" || op.Task == "promote") && op.RC == 0 && op.Changed.After(at) {
				at = op.Changed
			}
		}
		return at
	}
	return time.Time{}
}
