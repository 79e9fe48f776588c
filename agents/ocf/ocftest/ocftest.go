// Package ocftest holds the checks every agent's tests make the same way.
package ocftest

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// ExitReason is the last ocf-exit-reason line of an agent's stderr: the one
// crm_mon shows.
func ExitReason(stderr string) string {
	var reason string
	for _, l := range strings.Split(stderr, "\n") {
		if r, ok := strings.CutPrefix(l, "ocf-exit-reason:"); ok {
			reason = r
		}
	}
	return reason
}

// ValidateMetadata checks meta-data against both schemas resource-agents
// installs: the DTD ocf-tester checks and metadata.rng.
func ValidateMetadata(t testing.TB, metadata []byte) {
	t.Helper()
	for _, args := range [][]string{
		{"--noout", "--valid", "-"},
		{"--noout", "--relaxng", "/usr/share/resource-agents/metadata.rng", "-"},
	} {
		cmd := exec.Command("xmllint", args...)
		// The DOCTYPE names ra-api-1.dtd relative to this directory.
		cmd.Dir = "/usr/share/resource-agents"
		cmd.Stdin = bytes.NewReader(metadata)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("xmllint %v: %v\n%s", args, err, out)
		}
	}
}

// Decodes runs an agent's load function (see ocf.Decoded) on the defaults of
// its declarations, with set ("name=value") on top, and fails the test when
// load reads a name that is not declared, leaves a declared parameter that
// is not Ignored unread, or refuses the values. Names are caught only on the
// paths load takes, which is why load reads every parameter before it
// checks anything. It returns the configuration for further checks.
func Decodes[C any](t testing.TB, a ocf.Agent, load func(ocf.Params) (C, error), set ...string) C {
	t.Helper()
	values := map[string]string{}
	for _, kv := range set {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("Decodes: %q is not name=value", kv)
		}
		values[name] = value
	}
	params, trial := ocf.NewTrial(a.Params, values)
	cfg, err := load(params)
	if u := trial.Undeclared(); len(u) > 0 {
		t.Errorf("ocf:qvd:%s's load reads parameters that are not declared: %s", a.Name, strings.Join(u, ", "))
	}
	if u := trial.Unread(); len(u) > 0 {
		t.Errorf("ocf:qvd:%s's load never reads these declared parameters (declare them Ignored, or use them): %s", a.Name, strings.Join(u, ", "))
	}
	if err != nil {
		t.Errorf("ocf:qvd:%s's load refuses %v: %v", a.Name, set, err)
	}
	return cfg
}
