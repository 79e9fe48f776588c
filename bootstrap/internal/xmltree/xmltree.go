// Package xmltree is a small XML tree with XPath-style queries, for tests
// that assert what a CIB means rather than how it is spelt.
//
// It covers the part of XPath that CIB assertions need: child steps, a
// leading "//" for descendants, "*", and [@attr='value'] predicates. A full
// XPath module would add a dependency to the whole repository for ~100 lines
// of code.
package xmltree

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Elem is one element; comments, processing instructions and whitespace are
// dropped.
type Elem struct {
	Name  string
	Attrs map[string]string
	Kids  []*Elem
}

// Parse reads a document and returns its root element.
func Parse(data []byte) (*Elem, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*Elem
	var root *Elem
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			e := &Elem{Name: t.Name.Local, Attrs: map[string]string{}}
			for _, a := range t.Attr {
				e.Attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.Kids = append(parent.Kids, e)
			} else {
				root = e
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		return nil, fmt.Errorf("parse XML: no element")
	}
	return root, nil
}

// Find returns the elements path selects, relative to e. Steps are separated
// by "/"; "." is the element itself; a leading "//" searches all descendants of e for the first step.
func (e *Elem) Find(path string) []*Elem {
	cur := []*Elem{e}
	if rest, ok := strings.CutPrefix(path, "//"); ok {
		cur = e.descendants()
		path = rest
		first, tail, _ := strings.Cut(path, "/")
		cur = filter(cur, first)
		if tail == "" {
			return cur
		}
		path = tail
	}
	for _, step := range strings.Split(path, "/") {
		if step == "." {
			continue
		}
		var next []*Elem
		for _, c := range cur {
			next = append(next, filter(c.Kids, step)...)
		}
		cur = next
	}
	return cur
}

// Attr returns the attribute name, "" when absent.
func (e *Elem) Attr(name string) string { return e.Attrs[name] }

func (e *Elem) descendants() []*Elem {
	var out []*Elem
	var walk func(*Elem)
	walk = func(x *Elem) {
		for _, k := range x.Kids {
			out = append(out, k)
			walk(k)
		}
	}
	walk(e)
	return out
}

// filter keeps the elements that match one step: name or *, then any number
// of [@attr='value'] predicates.
func filter(in []*Elem, step string) []*Elem {
	name, preds, _ := strings.Cut(step, "[")
	type pred struct{ attr, value string }
	var ps []pred
	if preds != "" {
		for _, p := range strings.Split(strings.TrimSuffix(preds, "]"), "][") {
			a, v, _ := strings.Cut(strings.TrimPrefix(p, "@"), "=")
			ps = append(ps, pred{a, strings.Trim(v, `'"`)})
		}
	}
	var out []*Elem
	for _, e := range in {
		if name != "*" && e.Name != name {
			continue
		}
		if slices.ContainsFunc(ps, func(p pred) bool { return e.Attrs[p.attr] != p.value }) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// Canonical renders e and its subtree as one line per element with sorted
// attributes, leaving out the attributes named in drop (such as "id", which
// tools choose freely). Two trees that mean the same have the same text.
func (e *Elem) Canonical(drop ...string) string {
	var b strings.Builder
	var walk func(*Elem, int)
	walk = func(x *Elem, depth int) {
		b.WriteString(strings.Repeat("  ", depth) + x.Name)
		var names []string
		for n := range x.Attrs {
			if !slices.Contains(drop, n) {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		for _, n := range names {
			fmt.Fprintf(&b, " %s=%q", n, x.Attrs[n])
		}
		b.WriteString("\n")
		for _, k := range x.Kids {
			walk(k, depth+1)
		}
	}
	walk(e, 0)
	return b.String()
}
