package cib

import (
	"encoding/xml"
	"fmt"
)

// raw keeps an element of the live CIB as it is.
type raw struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Inner   []byte     `xml:",innerxml"`
}

// liveCIB is what Merge reads of the running cluster's CIB.
type liveCIB struct {
	Attrs         []xml.Attr `xml:",any,attr"`
	Configuration struct {
		CRMConfig CRMConfig `xml:"crm_config"`
		Nodes     raw       `xml:"nodes"`
		// Replaced by ours; named only so that they stay out of Others.
		Resources   raw   `xml:"resources"`
		Constraints raw   `xml:"constraints"`
		RscDefaults raw   `xml:"rsc_defaults"`
		Others      []raw `xml:",any"` // op_defaults, fencing-topology, alerts, acls, tags ...
	} `xml:"configuration"`
	Status raw `xml:"status"`
}

// merged is the live CIB with our configuration in it.
type merged struct {
	XMLName       xml.Name   `xml:"cib"`
	Attrs         []xml.Attr `xml:",any,attr"`
	Configuration struct {
		CRMConfig   CRMConfig   `xml:"crm_config"`
		Nodes       raw         `xml:"nodes"`
		Resources   Resources   `xml:"resources"`
		Constraints Constraints `xml:"constraints"`
		RscDefaults *Defaults   `xml:"rsc_defaults,omitempty"`
		Others      []raw       `xml:",any"`
	} `xml:"configuration"`
	Status raw `xml:"status"`
}

// Merge returns the live CIB with c's resources, constraints and resource
// defaults in place of its own, and c's cluster options set in it. What the
// cluster keeps there itself stays: nodes, status, other cluster options
// (dc-version, cluster-infrastructure, ...), op_defaults, alerts, ACLs.
func Merge(live []byte, c *CIB) ([]byte, error) {
	var l liveCIB
	if err := xml.Unmarshal(live, &l); err != nil {
		return nil, fmt.Errorf("read the live CIB: %w", err)
	}
	var m merged
	m.Attrs = l.Attrs
	m.Configuration.Nodes = l.Configuration.Nodes
	m.Configuration.Others = l.Configuration.Others
	m.Status = l.Status
	m.Configuration.Resources = c.Configuration.Resources
	m.Configuration.Constraints = c.Configuration.Constraints
	m.Configuration.RscDefaults = c.Configuration.RscDefaults

	sets := l.Configuration.CRMConfig.PropertySets
	for _, ours := range c.Configuration.CRMConfig.PropertySets {
		i := indexOf(sets, ours.ID)
		if i < 0 {
			sets = append(sets, ours)
			continue
		}
		for _, p := range ours.NVPairs {
			j := -1
			for k, q := range sets[i].NVPairs {
				if q.Name == p.Name {
					j = k
				}
			}
			if j < 0 {
				sets[i].NVPairs = append(sets[i].NVPairs, p)
			} else {
				sets[i].NVPairs[j].Value = p.Value
			}
		}
	}
	m.Configuration.CRMConfig.PropertySets = sets
	out, err := xml.MarshalIndent(&m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render the merged CIB: %w", err)
	}
	return append(out, '\n'), nil
}

func indexOf(sets []NVSet, id string) int {
	for i, s := range sets {
		if s.ID == id {
			return i
		}
	}
	return -1
}
