package main

import (
	"context"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// TestDRBDVerify: the verification is started on the Primary only, when
// connected; 8.4's "Primary/Secondary" and 9's "Primary" both count.
func TestDRBDVerify(t *testing.T) {
	for _, tc := range []struct {
		name, role, cstate string
		storage            string
		code               int
		out                string // in stdout, or stderr when code != 0
		verifies           bool
	}{
		{"Secondary", "Secondary/Primary", "Connected", "drbd", 0, "is Secondary here, not Primary", false},
		{"Primary 8.4", "Primary/Secondary", "Connected", "drbd", 0, "online verification started", true},
		{"Primary 9", "Primary", "Connected", "drbd", 0, "online verification started", true},
		{"already verifying", "Primary/Secondary", "VerifyS/VerifyT", "drbd", 0, "already running", false},
		{"disconnected", "Primary/Unknown", "WFConnection", "drbd", exitFailed, "not connected to its peer (connection state WFConnection)", false},
		{"shared storage", "", "", "shared", 0, "no DRBD resource to verify", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verified := false
			r := runner.Func(func(_ context.Context, c runner.Cmd) (runner.Result, error) {
				switch strings.Join(c.Args, " ") {
				case "role postgres":
					return runner.Result{Stdout: []byte(tc.role + "\n")}, nil
				case "cstate postgres":
					return runner.Result{Stdout: []byte(tc.cstate + "\n")}, nil
				case "verify postgres":
					verified = true
					return runner.Result{}, nil
				}
				t.Errorf("unexpected command %s", c)
				return runner.Result{}, nil
			})
			set := []string{"--set", "storage=" + tc.storage}
			if tc.storage == "shared" {
				set = append(set, "--set", "shared.device=/dev/disk/by-id/san")
			}
			code, out, stderr := runTool(t, r, append(set, "-q", "drbd-verify")...)
			got := out
			if code != 0 {
				got = stderr
			}
			if code != tc.code || !strings.Contains(got, tc.out) || verified != tc.verifies {
				t.Errorf("exit %d, verify run %v, stdout %q, stderr %q; want exit %d, verify %v, %q",
					code, verified, out, stderr, tc.code, tc.verifies, tc.out)
			}
		})
	}
}
