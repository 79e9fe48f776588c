// Package ocftest holds the checks every agent's tests make the same way.
package ocftest

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
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
