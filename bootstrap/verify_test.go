package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

func TestVerifyRunsCRMVerify(t *testing.T) {
	var got []string
	fake := runner.Func(func(ctx context.Context, c runner.Cmd) (runner.Result, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("crm_verify runs without a deadline")
		}
		got = append(got, c.Path+" "+strings.Join(c.Args[:2], " "))
		if _, err := os.Stat(c.Args[2]); err != nil {
			t.Errorf("the CIB file: %v", err)
		}
		return runner.Result{Stderr: []byte("warning: something\n")}, nil
	})
	code, stdout, stderr := runTool(t, fake, "-q", "verify", "--timeout", "5s")
	if code != 1 || !strings.Contains(stderr, "crm_verify warned") || !strings.Contains(stdout, "warning: something") {
		t.Errorf("a warning: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if strings.Join(got, "") != pcmk.CrmVerify+" -V -x" {
		t.Errorf("ran %q", got)
	}

	// And the real one, on the default configuration.
	code, stdout, stderr = runTool(t, runner.Exec{}, "-q", "verify")
	if code != 0 {
		t.Errorf("crm_verify on the default CIB: exit %d\n%s%s", code, stdout, stderr)
	}
}
