package ocf

import (
	"context"
	"slices"
	"testing"

	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Through the dispatcher the runner is traced; the crm_master fallback
// (internal/pcmk's tests have the rest) must still see crm_attribute's exit
// status, and the context is the action's.
func TestPromotionScoreInAction(t *testing.T) {
	var calls []string
	var sawDeadline bool
	run := runner.Func(func(ctx context.Context, cmd runner.Cmd) (runner.Result, error) {
		_, sawDeadline = ctx.Deadline()
		calls = append(calls, cmd.String())
		if cmd.Path == pcmk.CrmAttribute {
			const old = "crm_attribute: Unknown option -p" // Pacemaker < 2.1
			return runner.Result{ExitCode: 64, Stderr: []byte(old)}, &runner.ExitError{Cmd: cmd.Path, Code: 64, Stderr: old}
		}
		return runner.Result{}, nil
	})
	a := withFunc(testAgent(), "promote", func(ctx context.Context, req *Request) error {
		return SetPromotionScore(ctx, req, 10000)
	})
	r := dispatch(t, a, validEnv("OCF_TRACE_RA=1", "OCF_TRACE_FILE=/dev/stderr"), run, "promote")
	if r.rc != Success {
		t.Fatalf("rc %s, stderr:\n%s", r.rc, r.stderr)
	}
	if want := []string{"/usr/sbin/crm_attribute -p -v 10000", "/usr/sbin/crm_master -l reboot -v 10000"}; !slices.Equal(calls, want) {
		t.Errorf("calls %q, want %q", calls, want)
	}
	if !sawDeadline {
		t.Error("crm_attribute ran without the action's deadline")
	}
}
