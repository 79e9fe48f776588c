package pcmk

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
)

// Location is a node a resource is active on.
type Location struct {
	Node string
	// Promoted is set for a promotable clone's promoted instance.
	Promoted bool
}

// Locate asks crm_resource --locate where rsc (a primitive, group or
// clone) is active; none when it is stopped everywhere.
func (p Tools) Locate(ctx context.Context, rsc string) ([]Location, error) {
	res, err := p.run(ctx, CrmResource, "--locate", "--resource", rsc, "--output-as=xml")
	if err != nil {
		return nil, fmt.Errorf("where does %s run: %w", rsc, err)
	}
	locs, err := ParseLocate(res.Stdout)
	if err != nil {
		return nil, fmt.Errorf("where does %s run: %w", rsc, err)
	}
	return locs, nil
}

// ParseLocate reads what crm_resource --locate --output-as=xml printed.
func ParseLocate(out []byte) ([]Location, error) {
	var doc struct {
		Nodes []struct {
			Name  string `xml:",chardata"`
			State string `xml:"state,attr"`
		} `xml:"nodes>node"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("crm_resource: %w", err)
	}
	var locs []Location
	for _, n := range doc.Nodes {
		// Pacemaker 2.1 says promoted; 2.0 said Master.
		promoted := strings.EqualFold(n.State, "promoted") || strings.EqualFold(n.State, "master")
		locs = append(locs, Location{Node: strings.TrimSpace(n.Name), Promoted: promoted})
	}
	return locs, nil
}
