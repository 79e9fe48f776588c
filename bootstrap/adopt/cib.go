// Package adopt takes over a cluster that the QVD runbook built by hand: it
// recognises the runbook's CIB (section 10.5, or the older sections 12-14),
// refuses any other with the reason, and infers the bootstrap configuration
// that describes the same cluster.
//
// Everything here works on CIB XML (cibadmin --query output or a file), so
// that it is tested offline; reading the live CIB is the command's job.
package adopt

import (
	"encoding/xml"
	"fmt"
	"sort"
	"strings"
)

// element is any XML element: the CIB's schema changes between Pacemaker
// versions (master or promotable clone, Master or Promoted), so it is read
// as a tree and interpreted here rather than bound to one schema's structs.
type element struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []element  `xml:",any"`
}

func (e element) attr(name string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (e element) child(name string) (element, bool) {
	for _, c := range e.Children {
		if c.XMLName.Local == name {
			return c, true
		}
	}
	return element{}, false
}

// nvpairs reads the nvpairs of every <set> child of e (instance_attributes,
// meta_attributes) into one map; a later set does not override an earlier
// one, as Pacemaker applies the first match without rules.
func (e element) nvpairs(set string) map[string]string {
	m := map[string]string{}
	for _, s := range e.Children {
		if s.XMLName.Local != set {
			continue
		}
		for _, nv := range s.Children {
			if nv.XMLName.Local != "nvpair" {
				continue
			}
			if _, seen := m[nv.attr("name")]; !seen {
				m[nv.attr("name")] = nv.attr("value")
			}
		}
	}
	return m
}

// op is one operation of a primitive.
type op struct {
	name, interval, timeout, role string
}

// resource is a primitive, group, clone or master of the CIB.
type resource struct {
	id   string
	kind string // primitive, group, clone, master
	// agent is class:provider:type or, for stonith, stonith:type.
	agent      string
	promotable bool
	parent     string
	members    []string // group members or the clone's child, in order
	params     map[string]string
	meta       map[string]string
	ops        []op
}

// constraint is an rsc_location, rsc_colocation, rsc_order or other
// constraint, with its attributes.
type constraint struct {
	kind  string
	attrs map[string]string
	rule  bool
}

// document is what adopt reads from a CIB.
type document struct {
	nodes       []string
	resources   map[string]*resource
	constraints []constraint
	properties  map[string]string
	rscDefaults map[string]string
	opDefaults  map[string]string
}

// parseCIB reads a <cib> document or its <configuration> section.
func parseCIB(data []byte) (*document, error) {
	var root element
	if err := xml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("read CIB: %w", err)
	}
	conf := root
	if root.XMLName.Local == "cib" {
		c, ok := root.child("configuration")
		if !ok {
			return nil, fmt.Errorf("read CIB: no <configuration> in <cib>")
		}
		conf = c
	}
	if conf.XMLName.Local != "configuration" {
		return nil, fmt.Errorf("read CIB: <%s> is neither <cib> nor <configuration>", conf.XMLName.Local)
	}
	c := &document{resources: map[string]*resource{}, properties: map[string]string{}}
	for _, sec := range conf.Children {
		switch sec.XMLName.Local {
		case "crm_config":
			c.properties = sec.nvpairs("cluster_property_set")
		case "nodes":
			for _, n := range sec.Children {
				// Remote nodes count too: a third node of any kind
				// makes this other than the runbook's two-node cluster.
				name := n.attr("uname")
				if name == "" {
					name = n.attr("id")
				}
				c.nodes = append(c.nodes, name)
			}
			sort.Strings(c.nodes)
		case "resources":
			for _, r := range sec.Children {
				c.addResource(r, "")
			}
		case "constraints":
			for _, k := range sec.Children {
				attrs := map[string]string{}
				for _, a := range k.Attrs {
					attrs[a.Name.Local] = a.Value
				}
				_, rule := k.child("rule")
				c.constraints = append(c.constraints, constraint{kind: k.XMLName.Local, attrs: attrs, rule: rule})
			}
		case "rsc_defaults":
			c.rscDefaults = sec.nvpairs("meta_attributes")
		case "op_defaults":
			c.opDefaults = sec.nvpairs("meta_attributes")
		}
	}
	return c, nil
}

func (c *document) addResource(e element, parent string) {
	r := &resource{
		id:     e.attr("id"),
		kind:   e.XMLName.Local,
		parent: parent,
		params: e.nvpairs("instance_attributes"),
		meta:   e.nvpairs("meta_attributes"),
	}
	switch r.kind {
	case "primitive":
		if e.attr("class") == "stonith" {
			r.agent = "stonith:" + e.attr("type")
		} else {
			r.agent = strings.Join([]string{e.attr("class"), e.attr("provider"), e.attr("type")}, ":")
		}
		if ops, ok := e.child("operations"); ok {
			for _, o := range ops.Children {
				r.ops = append(r.ops, op{name: o.attr("name"), interval: o.attr("interval"), timeout: o.attr("timeout"), role: o.attr("role")})
			}
		}
	case "group", "clone", "master", "bundle":
		r.promotable = r.kind == "master" || r.meta["promotable"] == "true"
		for _, m := range e.Children {
			switch m.XMLName.Local {
			case "primitive", "group", "clone", "master":
				r.members = append(r.members, m.attr("id"))
				c.addResource(m, r.id)
			}
		}
	default:
		// template and other elements: kept under their tag so that the
		// recogniser reports them as not the runbook's.
		r.agent = r.kind
	}
	c.resources[r.id] = r
}

// findOp returns the first op named name whose role is one of roles (any
// role when roles is empty).
func (r *resource) findOp(name string, roles ...string) (op, bool) {
	for _, o := range r.ops {
		if o.name != name {
			continue
		}
		if len(roles) == 0 {
			return o, true
		}
		for _, role := range roles {
			if o.role == role {
				return o, true
			}
		}
	}
	return op{}, false
}
