// Package ocftest holds the checks every agent's tests make the same way.
package ocftest

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/internal/trial"
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
// checks anything. It returns the settings for further checks.
func Decodes[C any](t testing.TB, a ocf.Agent, load func(ocf.Params) (C, error), set ...string) C {
	t.Helper()
	newTrial := func(values map[string]string) (ocf.Params, trial.Trial) { return ocf.NewTrial(a.Params, values) }
	return trial.Check(t, "ocf:qvd:"+a.Name, "parameters", set, newTrial, load)
}
