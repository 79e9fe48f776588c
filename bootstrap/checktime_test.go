package main

import (
	"context"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

func TestCheckTime(t *testing.T) {
	unsynced := runner.Func(func(_ context.Context, c runner.Cmd) (runner.Result, error) {
		return runner.Result{Stdout: []byte("Leap status     : Not synchronised\nSystem time     : 0.1 seconds fast of NTP time\n")}, nil
	})
	code, out, stderr := runTool(t, unsynced, "check-time")
	if code != 0 || out != "" || !strings.Contains(stderr, "WARNING: the clock is not synchronised") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
