package cib

import (
	"fmt"
	"strings"
)

// CRM renders the configuration in crm shell syntax (crmsh >= 4.4), as
// `crm configure load update FILE` takes it. Every line after the first of a
// statement is a continuation, as `crm configure show` prints it.
func (c *CIB) CRM() string {
	var w crmWriter
	cfg := &c.Configuration
	for _, p := range cfg.Resources.Primitives {
		w.primitive(p)
	}
	for _, g := range cfg.Resources.Groups {
		for _, p := range g.Primitives {
			w.primitive(p)
		}
		w.stmt("group "+g.ID+" "+strings.Join(ids(g.Primitives), " "), meta(g.Meta)...)
	}
	for _, cl := range cfg.Resources.Clones {
		w.primitive(cl.Primitive)
		w.stmt("clone "+cl.ID+" "+cl.Primitive.ID, meta(cl.Meta)...)
	}
	for _, l := range cfg.Constraints.Locations {
		if l.Node != "" {
			w.stmt(fmt.Sprintf("location %s %s %s: %s", l.ID, l.Rsc, score(l.Score), l.Node))
			continue
		}
		var rules []string
		for _, r := range l.Rules {
			rules = append(rules, rule(r))
		}
		w.stmt("location "+l.ID+" "+l.Rsc, rules...)
	}
	for _, co := range cfg.Constraints.Colocations {
		with := co.WithRsc
		if co.WithRscRole != "" {
			with += ":" + co.WithRscRole
		}
		w.stmt(fmt.Sprintf("colocation %s %s: %s %s", co.ID, score(co.Score), co.Rsc, with))
	}
	for _, o := range cfg.Constraints.Orders {
		w.stmt(fmt.Sprintf("order %s %s: %s %s", o.ID, o.Kind, action(o.First, o.FirstAction), action(o.Then, o.ThenAction)))
	}
	for _, s := range cfg.CRMConfig.PropertySets {
		w.stmt("property "+s.ID+":", pairs(s.NVPairs)...)
	}
	if d := cfg.RscDefaults; d != nil {
		for _, s := range d.Meta {
			w.stmt("rsc_defaults "+s.ID+":", pairs(s.NVPairs)...)
		}
	}
	return w.String()
}

type crmWriter struct{ strings.Builder }

func (w *crmWriter) stmt(head string, rest ...string) {
	w.WriteString(head)
	for _, r := range rest {
		w.WriteString(" \\\n\t" + r)
	}
	w.WriteString("\n")
}

func (w *crmWriter) primitive(p Primitive) {
	agent := p.Class + ":" + p.Type
	if p.Provider != "" {
		agent = p.Class + ":" + p.Provider + ":" + p.Type
	}
	var rest []string
	if p.Instance != nil {
		rest = append(rest, "params "+strings.Join(pairs(p.Instance.NVPairs), " "))
	}
	rest = append(rest, meta(p.Meta)...)
	for _, o := range p.Operations {
		s := fmt.Sprintf("op %s interval=%s timeout=%s", o.Name, o.Interval, o.Timeout)
		if o.Role != "" {
			s += " role=" + o.Role
		}
		if o.Instance != nil {
			s += " " + strings.Join(pairs(o.Instance.NVPairs), " ")
		}
		rest = append(rest, s)
	}
	w.stmt("primitive "+p.ID+" "+agent, rest...)
}

func meta(s *NVSet) []string {
	if s == nil {
		return nil
	}
	return []string{"meta " + strings.Join(pairs(s.NVPairs), " ")}
}

// pairs quotes every value: crmsh takes name="value" for any value, and a
// host list holds spaces.
func pairs(nv []NVPair) []string {
	out := make([]string, len(nv))
	for i, p := range nv {
		out[i] = fmt.Sprintf("%s=%q", p.Name, p.Value)
	}
	return out
}

func rule(r Rule) string {
	s := "rule "
	if r.Role != "" {
		s += "$role=" + r.Role + " "
	}
	s += score(r.Score) + ":"
	join := " " + r.BooleanOp + " "
	if r.BooleanOp == "" {
		join = " and "
	}
	var exprs []string
	for _, e := range r.Expressions {
		switch {
		case e.Operation == "defined" || e.Operation == "not_defined":
			exprs = append(exprs, e.Operation+" "+e.Attribute)
		case e.Type != "":
			exprs = append(exprs, e.Attribute+" "+e.Type+":"+e.Operation+" "+e.Value)
		default:
			exprs = append(exprs, e.Attribute+" "+e.Operation+" "+e.Value)
		}
	}
	return s + " " + strings.Join(exprs, join)
}

func score(s string) string {
	switch s {
	case "INFINITY":
		return "inf"
	case "-INFINITY":
		return "-inf"
	}
	return s
}

func action(rsc, act string) string {
	if act == "" {
		return rsc
	}
	return rsc + ":" + act
}

func ids(ps []Primitive) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}
