package fencetest

import (
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/fence/fencing"
)

// Decodes runs a fence agent's load function (its one reader of Options,
// used by its Validate and Connect) on the defaults of every option, with
// set ("name=value") on top, and fails the test when load reads a name that
// is not declared, leaves one of the agent's options unread (unless Ignored
// or read by the runtime), or refuses the values. Names are caught only on
// the paths load takes, which is why load reads every option before it
// checks anything. It returns the configuration for further checks.
func Decodes[C any](t testing.TB, a fencing.Agent, load func(*fencing.Options) (C, error), set ...string) C {
	t.Helper()
	values := map[string]string{}
	for _, kv := range set {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("Decodes: %q is not name=value", kv)
		}
		values[name] = value
	}
	opts, trial := fencing.NewTrial(&a, values)
	cfg, err := load(opts)
	if u := trial.Undeclared(); len(u) > 0 {
		t.Errorf("%s's load reads options that are not declared: %s", a.Name, strings.Join(u, ", "))
	}
	if u := trial.Unread(); len(u) > 0 {
		t.Errorf("%s's load never reads these declared options (declare them Ignored, or use them): %s", a.Name, strings.Join(u, ", "))
	}
	if err != nil {
		t.Errorf("%s's load refuses the values: %v", a.Name, err)
	}
	return cfg
}
