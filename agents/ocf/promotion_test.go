package ocf

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// fakeCrm answers crm_attribute and crm_master from a table of outcomes and
// records every call. The command lines and the crm_master fallback are
// internal/pcmk's tests; these check the runtime's part: the action's runner
// and deadline.
type fakeCrm struct {
	outcomes map[string]error // by path; nil = success
	calls    []string
}

func (f *fakeCrm) run(_ context.Context, cmd runner.Cmd) (runner.Result, error) {
	f.calls = append(f.calls, cmd.String())
	err := f.outcomes[cmd.Path]
	var exit *runner.ExitError
	if errors.As(err, &exit) {
		return runner.Result{ExitCode: exit.Code, Stderr: []byte(exit.Stderr)}, err
	}
	return runner.Result{}, err
}

func exitErr(path string, code int, stderr string) error {
	return &runner.ExitError{Cmd: path, Code: code, Stderr: stderr}
}

// Through the dispatcher the runner is traced; the fallback must still see
// crm_attribute's exit status, and the context is the action's.
func TestPromotionScoreInAction(t *testing.T) {
	f := &fakeCrm{outcomes: map[string]error{pcmk.CrmAttribute: exitErr(pcmk.CrmAttribute, 64, "crm_attribute: Unknown option -p")}}
	var sawDeadline bool
	run := runner.Func(func(ctx context.Context, cmd runner.Cmd) (runner.Result, error) {
		_, sawDeadline = ctx.Deadline()
		return f.run(ctx, cmd)
	})
	a := withFunc(testAgent(), "promote", func(ctx context.Context, req *Request) error {
		return SetPromotionScore(ctx, req, 10000)
	})
	r := dispatch(t, a, validEnv("OCF_TRACE_RA=1", "OCF_TRACE_FILE=/dev/stderr"), run, "promote")
	if r.rc != Success {
		t.Fatalf("rc %s, stderr:\n%s", r.rc, r.stderr)
	}
	if want := []string{"/usr/sbin/crm_attribute -p -v 10000", "/usr/sbin/crm_master -l reboot -v 10000"}; !slices.Equal(f.calls, want) {
		t.Errorf("calls %q, want %q", f.calls, want)
	}
	if !sawDeadline {
		t.Error("crm_attribute ran without the action's deadline")
	}
}
