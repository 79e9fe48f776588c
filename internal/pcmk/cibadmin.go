package pcmk

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
)

// QueryCIB returns the CIB as cibadmin --query prints it: the whole of it
// for scope "", else one section (configuration, constraints, status, ...).
func (p Tools) QueryCIB(ctx context.Context, scope string) ([]byte, error) {
	args := []string{"--query"}
	if scope != "" {
		args = append(args, "--scope", scope)
	}
	res, err := p.run(ctx, Cibadmin, args...)
	if err != nil {
		return nil, fmt.Errorf("read the CIB: %w", err)
	}
	return res.Stdout, nil
}

// ReplaceConfiguration replaces the CIB's configuration section with the
// <configuration> element in file, in one transaction.
func (p Tools) ReplaceConfiguration(ctx context.Context, file string) error {
	if _, err := p.run(ctx, Cibadmin, "--replace", "--scope", "configuration", "--xml-file", file); err != nil {
		return fmt.Errorf("load the configuration: %w", err)
	}
	return nil
}

// LocationConstraint is one rsc_location of the CIB.
type LocationConstraint struct {
	ID   string `xml:"id,attr"`
	Rsc  string `xml:"rsc,attr"`
	Node string `xml:"node,attr"`
	// Score is as written: an integer, INFINITY or -INFINITY; "" when
	// the constraint has rules instead.
	Score string `xml:"score,attr"`
	Role  string `xml:"role,attr"`
}

// LocationConstraints lists the CIB's location constraints (cibadmin
// --query --scope constraints).
func (p Tools) LocationConstraints(ctx context.Context) ([]LocationConstraint, error) {
	out, err := p.QueryCIB(ctx, "constraints")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Locations []LocationConstraint `xml:"rsc_location"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("constraints section: %w", err)
	}
	return doc.Locations, nil
}

// OpResult is the last recorded result of one operation of a resource on
// a node, from the CIB's status section.
type OpResult struct {
	Node, Resource, ID string
	Operation          string
	RC                 int
	ExitReason         string
}

// OpResults lists the recorded operation results of rsc on every node
// (cibadmin --query --scope status).
func (p Tools) OpResults(ctx context.Context, rsc string) ([]OpResult, error) {
	out, err := p.QueryCIB(ctx, "status")
	if err != nil {
		return nil, err
	}
	return ParseOpResults(out, rsc)
}

// ParseOpResults reads rsc's operation results from a status section.
func ParseOpResults(status []byte, rsc string) ([]OpResult, error) {
	type nodeState struct {
		Uname     string `xml:"uname,attr"`
		Resources []struct {
			ID  string `xml:"id,attr"`
			Ops []struct {
				ID         string `xml:"id,attr"`
				Operation  string `xml:"operation,attr"`
				RC         string `xml:"rc-code,attr"`
				ExitReason string `xml:"exit-reason,attr"`
			} `xml:"lrm_rsc_op"`
		} `xml:"lrm>lrm_resources>lrm_resource"`
	}
	var doc struct {
		Nodes []nodeState `xml:"node_state"`
	}
	if err := xml.Unmarshal(status, &doc); err != nil {
		return nil, fmt.Errorf("status section: %w", err)
	}
	var res []OpResult
	for _, ns := range doc.Nodes {
		for _, r := range ns.Resources {
			if r.ID != rsc {
				continue
			}
			for _, op := range r.Ops {
				rc, err := strconv.Atoi(op.RC)
				if err != nil {
					return nil, fmt.Errorf("status section: %s has rc-code %q", op.ID, op.RC)
				}
				res = append(res, OpResult{Node: ns.Uname, Resource: r.ID, ID: op.ID, Operation: op.Operation, RC: rc, ExitReason: op.ExitReason})
			}
		}
	}
	return res, nil
}
