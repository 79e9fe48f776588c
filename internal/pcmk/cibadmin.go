package pcmk

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
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

// Configuration is what the operations commands read from the CIB's
// configuration section: the location constraints (those left by
// crm_resource --move/--ban and by DRBD's fence handler among them) and the
// resource defaults' failure-timeout.
type Configuration struct {
	Locations []LocationConstraint
	// FailureTimeout is rsc_defaults' failure-timeout; 0 when unset, and
	// then failures are never forgotten on their own.
	FailureTimeout time.Duration
	// ResourceFailureTimeouts are the primitives whose own meta
	// failure-timeout, or their group's or clone's, overrides
	// rsc_defaults' (0: never forgotten), by primitive id.
	ResourceFailureTimeouts map[string]time.Duration
}

type nvpair struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// xmlResource is a primitive, group or clone with its meta attributes and
// the resources it holds.
type xmlResource struct {
	ID         string        `xml:"id,attr"`
	Meta       []nvpair      `xml:"meta_attributes>nvpair"`
	Primitives []xmlResource `xml:"primitive"`
	Groups     []xmlResource `xml:"group"`
}

// failureTimeouts walks r's primitives; inherited is the nearest
// enclosing resource's failure-timeout, nil when none set one.
func failureTimeouts(r xmlResource, inherited *time.Duration, out map[string]time.Duration) error {
	for _, nv := range r.Meta {
		if nv.Name != "failure-timeout" {
			continue
		}
		d, err := ParseInterval(nv.Value)
		if err != nil {
			return fmt.Errorf("%s: failure-timeout: %w", r.ID, err)
		}
		inherited = &d
	}
	if len(r.Primitives) == 0 && len(r.Groups) == 0 {
		if inherited != nil {
			out[r.ID] = *inherited
		}
		return nil
	}
	for _, sub := range append(r.Primitives, r.Groups...) {
		if err := failureTimeouts(sub, inherited, out); err != nil {
			return err
		}
	}
	return nil
}

// Configuration reads the configuration section (cibadmin --query --scope
// configuration), one call for both.
func (p Tools) Configuration(ctx context.Context) (*Configuration, error) {
	out, err := p.QueryCIB(ctx, "configuration")
	if err != nil {
		return nil, err
	}
	return ParseConfiguration(out)
}

// ParseConfiguration reads a <configuration> element.
func ParseConfiguration(out []byte) (*Configuration, error) {
	var doc struct {
		Locations []LocationConstraint `xml:"constraints>rsc_location"`
		Defaults  []nvpair             `xml:"rsc_defaults>meta_attributes>nvpair"`
		Resources struct {
			xmlResource
			Clones  []xmlResource `xml:"clone"`
			Masters []xmlResource `xml:"master"`
		} `xml:"resources"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("configuration section: %w", err)
	}
	c := &Configuration{Locations: doc.Locations}
	for _, nv := range doc.Defaults {
		if nv.Name != "failure-timeout" {
			continue
		}
		d, err := ParseInterval(nv.Value)
		if err != nil {
			return nil, fmt.Errorf("configuration section: failure-timeout: %w", err)
		}
		c.FailureTimeout = d
	}
	c.ResourceFailureTimeouts = map[string]time.Duration{}
	res := doc.Resources
	top := xmlResource{Primitives: res.Primitives, Groups: append(append(res.Groups, res.Clones...), res.Masters...)}
	if err := failureTimeouts(top, nil, c.ResourceFailureTimeouts); err != nil {
		return nil, fmt.Errorf("configuration section: %w", err)
	}
	return c, nil
}

// intervalUnits are the units Pacemaker accepts after a number
// (crm_get_msec); a bare number is seconds.
var intervalUnits = map[string]time.Duration{
	"": time.Second, "s": time.Second, "sec": time.Second, "ms": time.Millisecond, "msec": time.Millisecond,
	"us": time.Microsecond, "usec": time.Microsecond, "m": time.Minute, "min": time.Minute,
	"h": time.Hour, "hr": time.Hour,
}

// ParseInterval reads a Pacemaker interval ("3min", "180s", "180"), or an
// ISO 8601 duration ("PT3M"), which Pacemaker takes too.
func ParseInterval(v string) (time.Duration, error) {
	s := strings.TrimSpace(v)
	if strings.HasPrefix(s, "PT") {
		d, err := time.ParseDuration(strings.ToLower(strings.TrimPrefix(s, "PT")))
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration", v)
		}
		return d, nil
	}
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	n, err := strconv.Atoi(s[:i])
	unit, ok := intervalUnits[strings.ToLower(strings.TrimSpace(s[i:]))]
	if err != nil || !ok {
		return 0, fmt.Errorf("%q is not a duration", v)
	}
	return time.Duration(n) * unit, nil
}
