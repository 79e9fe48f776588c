package pcmk

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
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
}

// Node is a cluster node's membership.
type Node struct {
	Name    string `xml:"name,attr"`
	Online  bool   `xml:"online,attr"`
	Standby bool   `xml:"standby,attr"`
	Unclean bool   `xml:"unclean,attr"`
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
		Summary   *struct{}  `xml:"summary"`
		Nodes     []Node     `xml:"nodes>node"`
		Resources []Resource `xml:"resources>resource"`
		Groups    []group    `xml:"resources>group"`
		Clones    []struct {
			group
			Groups []group `xml:"group"`
		} `xml:"resources>clone"`
		Failures   []Failure        `xml:"failures>failure"`
		Attributes []NodeAttributes `xml:"node_attributes>node"`
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
	s := &Status{Nodes: doc.Nodes, Resources: doc.Resources, Failures: doc.Failures, Attributes: doc.Attributes}
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
