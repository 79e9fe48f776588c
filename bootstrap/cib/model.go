// Package cib models the part of Pacemaker's CIB that qvd-ha writes, as
// encoding/xml structs following the schema's nesting (pacemaker-3.x rng),
// builds the QVD database cluster's configuration from a config.Config, and
// renders it as CIB XML or in crm shell syntax from the same structs, so the
// two shipped forms cannot disagree.
package cib

import "encoding/xml"

// The root attributes are what `cibadmin --empty` writes on Pacemaker 2.1.5,
// the oldest Pacemaker qvd-ha supports (SLES 15 SP5, Debian 12). They are
// pinned rather than read from the local Pacemaker at run time: the Pacemaker
// tools refuse a CIB whose feature set is newer than their own, so a file
// generated on SLES 16 (Pacemaker 3.0) would not load on SP5, while newer
// Pacemakers accept an older feature set and upgrade the schema on load.
// crm_feature_set is not cosmetic: without it the scheduler (crm_simulate
// on this file) reads fail counts the pre-1.1.17 way and migration-threshold
// never bans a node.
const (
	Schema     = "pacemaker-3.9"
	FeatureSet = "3.16.1"
)

// CIB is the document root.
type CIB struct {
	XMLName       xml.Name      `xml:"cib"`
	FeatureSet    string        `xml:"crm_feature_set,attr"`
	ValidateWith  string        `xml:"validate-with,attr"`
	Epoch         int           `xml:"epoch,attr"`
	NumUpdates    int           `xml:"num_updates,attr"`
	AdminEpoch    int           `xml:"admin_epoch,attr"`
	Configuration Configuration `xml:"configuration"`
	Status        struct{}      `xml:"status"`
}

// Configuration is everything under <configuration>.
type Configuration struct {
	XMLName     xml.Name    `xml:"configuration"`
	CRMConfig   CRMConfig   `xml:"crm_config"`
	Nodes       Nodes       `xml:"nodes"`
	Resources   Resources   `xml:"resources"`
	Constraints Constraints `xml:"constraints"`
	RscDefaults *Defaults   `xml:"rsc_defaults,omitempty"`
}

// Nodes is filled in by the cluster as nodes join; the generated
// configuration leaves it empty.
type Nodes struct {
	Node []Node `xml:"node"`
}

// Node is a cluster node as corosync knows it.
type Node struct {
	ID    string `xml:"id,attr"`
	Uname string `xml:"uname,attr"`
}

// CRMConfig holds the cluster options.
type CRMConfig struct {
	PropertySets []NVSet `xml:"cluster_property_set"`
}

// Defaults holds rsc_defaults or op_defaults.
type Defaults struct {
	Meta []NVSet `xml:"meta_attributes"`
}

// NVSet is an instance_attributes, meta_attributes or cluster_property_set.
type NVSet struct {
	ID      string   `xml:"id,attr"`
	NVPairs []NVPair `xml:"nvpair"`
}

// NVPair is one name=value.
type NVPair struct {
	ID    string `xml:"id,attr"`
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// Resources holds the top-level resources. Pacemaker does not care about
// their order; ours is primitives, groups, clones.
type Resources struct {
	Primitives []Primitive `xml:"primitive"`
	Groups     []Group     `xml:"group"`
	Clones     []Clone     `xml:"clone"`
}

// Primitive is one resource agent instance.
type Primitive struct {
	ID         string `xml:"id,attr"`
	Class      string `xml:"class,attr"`
	Provider   string `xml:"provider,attr,omitempty"`
	Type       string `xml:"type,attr"`
	Instance   *NVSet `xml:"instance_attributes,omitempty"`
	Meta       *NVSet `xml:"meta_attributes,omitempty"`
	Operations []Op   `xml:"operations>op"`
}

// Op is one operation definition.
type Op struct {
	ID       string `xml:"id,attr"`
	Name     string `xml:"name,attr"`
	Interval string `xml:"interval,attr"`
	Timeout  string `xml:"timeout,attr"`
	Role     string `xml:"role,attr,omitempty"`
	// Instance carries OCF_CHECK_LEVEL for a deeper monitor.
	Instance *NVSet `xml:"instance_attributes,omitempty"`
}

// Group runs its primitives on one node, started in order and stopped in
// reverse.
type Group struct {
	ID         string      `xml:"id,attr"`
	Meta       *NVSet      `xml:"meta_attributes,omitempty"`
	Primitives []Primitive `xml:"primitive"`
}

// Clone runs copies of a primitive; with promotable=true it is the
// Pacemaker >= 2.0 replacement of the removed <master> (crm shell "ms").
type Clone struct {
	ID        string    `xml:"id,attr"`
	Meta      *NVSet    `xml:"meta_attributes,omitempty"`
	Primitive Primitive `xml:"primitive"`
}

// Constraints holds the constraints.
type Constraints struct {
	Locations   []Location   `xml:"rsc_location"`
	Colocations []Colocation `xml:"rsc_colocation"`
	Orders      []Order      `xml:"rsc_order"`
}

// Location places a resource by node name or by rules.
type Location struct {
	ID    string `xml:"id,attr"`
	Rsc   string `xml:"rsc,attr"`
	Node  string `xml:"node,attr,omitempty"`
	Score string `xml:"score,attr,omitempty"`
	Rules []Rule `xml:"rule"`
}

// Rule scores nodes by node attributes.
type Rule struct {
	ID          string       `xml:"id,attr"`
	Score       string       `xml:"score,attr"`
	Role        string       `xml:"role,attr,omitempty"`
	BooleanOp   string       `xml:"boolean-op,attr,omitempty"`
	Expressions []Expression `xml:"expression"`
}

// Expression tests one node attribute.
type Expression struct {
	ID        string `xml:"id,attr"`
	Attribute string `xml:"attribute,attr"`
	Operation string `xml:"operation,attr"`
	Value     string `xml:"value,attr,omitempty"`
	Type      string `xml:"type,attr,omitempty"`
}

// Colocation puts Rsc where WithRsc (in WithRscRole) is.
type Colocation struct {
	ID          string `xml:"id,attr"`
	Score       string `xml:"score,attr"`
	Rsc         string `xml:"rsc,attr"`
	WithRsc     string `xml:"with-rsc,attr"`
	WithRscRole string `xml:"with-rsc-role,attr,omitempty"`
}

// Order runs Then's action after First's.
type Order struct {
	ID          string `xml:"id,attr"`
	Kind        string `xml:"kind,attr"`
	First       string `xml:"first,attr"`
	FirstAction string `xml:"first-action,attr,omitempty"`
	Then        string `xml:"then,attr"`
	ThenAction  string `xml:"then-action,attr,omitempty"`
}

// XML renders the CIB as indented XML with a trailing newline.
func (c *CIB) XML() ([]byte, error) {
	out, err := xml.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
