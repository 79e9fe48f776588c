package guestcluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocumentedScore reads the documented score off /proc/drbd as real
// DRBD 8.4 printed it (internal/drbdstate/testdata/drbd84), the line
// CheckScores compares the agent's scores with.
func TestDocumentedScore(t *testing.T) {
	for _, tc := range []struct{ state, want string }{
		{"unconfigured", ""},
		{"secondary-connected-inconsistent", ""},
		{"sync-source", "10000"},
		{"sync-target", "10"},
		{"secondary-connected-uptodate", "10000"},
		{"secondary-peer-primary", "10000"},
		{"primary-wfconnection", "10000"},
		{"secondary-outdated-standalone", ""},
		{"splitbrain-node2", "10000"},
	} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "internal", "drbdstate", "testdata", "drbd84", tc.state+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		// CheckScores hands over the device's line alone (Cluster.DRBD).
		line := "unconfigured"
		for _, l := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(l, " 0:") {
				line = l
			}
		}
		if got := documentedScore(line); got != tc.want {
			t.Errorf("%s (%s): documented score %q, want %q", tc.state, line, got, tc.want)
		}
	}
}
