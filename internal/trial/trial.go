// Package trial is what the two runtimes share to check an agent's load
// function (its one reader of parameters or options) in the agent's tests:
// the runtime's trial values record each name read instead of panicking on
// an undeclared one, and Check fails the test on what the record shows. It
// does not import testing, so the runtimes can record into it.
package trial

import (
	"slices"
	"strings"
)

// Record is what a load function read.
type Record struct {
	read       map[string]bool
	undeclared []string
}

// Saw records one read of name; declared says whether a declaration has it.
func (r *Record) Saw(name string, declared bool) {
	if !declared {
		if !slices.Contains(r.undeclared, name) {
			r.undeclared = append(r.undeclared, name)
		}
		return
	}
	if r.read == nil {
		r.read = map[string]bool{}
	}
	r.read[name] = true
}

// Read reports whether the declared name was read.
func (r *Record) Read(name string) bool { return r.read[name] }

// Undeclared lists the names read that no declaration has, in order.
func (r *Record) Undeclared() []string { return r.undeclared }

// Trial is a runtime's view of a Record: the undeclared names read, and the
// declared ones the agent should have read and did not.
type Trial interface {
	Undeclared() []string
	Unread() []string
}

// TB is the part of testing.TB that Check uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Check runs load on the trial values newTrial makes from set ("name=value"
// on top of the defaults) and fails t when load reads an undeclared name,
// leaves a name unread, or refuses the values. agent and kind name the
// agent and its settings ("parameters", "options") in the messages. It
// returns what load returned, for further checks.
func Check[V, C any](t TB, agent, kind string, set []string, newTrial func(map[string]string) (V, Trial), load func(V) (C, error)) C {
	t.Helper()
	values := map[string]string{}
	for _, kv := range set {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("%q is not name=value", kv)
		}
		values[name] = value
	}
	v, tr := newTrial(values)
	cfg, err := load(v)
	if u := tr.Undeclared(); len(u) > 0 {
		t.Errorf("%s's load reads %s that are not declared: %s", agent, kind, strings.Join(u, ", "))
	}
	if u := tr.Unread(); len(u) > 0 {
		t.Errorf("%s's load never reads these declared %s (declare them Ignored, or use them): %s", agent, kind, strings.Join(u, ", "))
	}
	if err != nil {
		t.Errorf("%s's load refuses the values: %v", agent, err)
	}
	return cfg
}
