package ocf

import (
	"errors"
	"fmt"
	"testing"
)

func TestRCString(t *testing.T) {
	tests := []struct {
		rc   RC
		want string
		code int
	}{
		{Success, "OCF_SUCCESS", 0},
		{ErrGeneric, "OCF_ERR_GENERIC", 1},
		{ErrArgs, "OCF_ERR_ARGS", 2},
		{ErrUnimplemented, "OCF_ERR_UNIMPLEMENTED", 3},
		{ErrPerm, "OCF_ERR_PERM", 4},
		{ErrInstalled, "OCF_ERR_INSTALLED", 5},
		{ErrConfigured, "OCF_ERR_CONFIGURED", 6},
		{NotRunning, "OCF_NOT_RUNNING", 7},
		{RunningPromoted, "OCF_RUNNING_PROMOTED", 8},
		{FailedPromoted, "OCF_FAILED_PROMOTED", 9},
		{Degraded, "OCF_DEGRADED", 190},
		{DegradedPromoted, "OCF_DEGRADED_PROMOTED", 191},
		{RC(42), "rc 42", 42},
	}
	for _, tt := range tests {
		if int(tt.rc) != tt.code {
			t.Errorf("%s = %d, want %d", tt.want, int(tt.rc), tt.code)
		}
		if got := tt.rc.String(); got != tt.want {
			t.Errorf("RC(%d).String() = %q, want %q", int(tt.rc), got, tt.want)
		}
	}
}

func TestRCOf(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantRC     RC
		wantReason string
		wantText   string // err.Error()
	}{
		{"nil", nil, Success, "", ""},
		{"Fail", Fail(ErrInstalled, "pg_ctl not found in %s", "/usr/bin"), ErrInstalled, "pg_ctl not found in /usr/bin", "pg_ctl not found in /usr/bin"},
		{"Fail without arguments", Fail(ErrPerm, "100%% wrong"), ErrPerm, "100% wrong", "100% wrong"},
		{"Result", Result(NotRunning), NotRunning, "", "OCF_NOT_RUNNING"},
		{"Result promoted", Result(RunningPromoted), RunningPromoted, "", "OCF_RUNNING_PROMOTED"},
		{"Degraded with reason", Fail(Degraded, "split brain"), Degraded, "split brain", "split brain"},
		{"plain error", errors.New("connection refused"), ErrGeneric, "connection refused", "connection refused"},
		{"wrapped plain error", fmt.Errorf("monitor: %w", errors.New("timeout")), ErrGeneric, "monitor: timeout", "monitor: timeout"},
		{"wrapped Fail keeps rc and context", fmt.Errorf("start: %w", Fail(ErrInstalled, "no pg_ctl")), ErrInstalled, "start: no pg_ctl", "start: no pg_ctl"},
		{"twice wrapped Fail", fmt.Errorf("a: %w", fmt.Errorf("b: %w", Fail(ErrPerm, "c"))), ErrPerm, "a: b: c", "a: b: c"},
		{"joined", errors.Join(errors.New("x"), Fail(ErrConfigured, "y")), ErrConfigured, "x\ny", "x\ny"},
		// A Result carries only an exit code, so there is no reason to show,
		// even when an agent wrapped it.
		{"wrapped Result", fmt.Errorf("probe: %w", Result(NotRunning)), NotRunning, "", "probe: OCF_NOT_RUNNING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, reason := rcOf(tt.err)
			if rc != tt.wantRC || reason != tt.wantReason {
				t.Errorf("rcOf(%v) = %s, %q; want %s, %q", tt.err, rc, reason, tt.wantRC, tt.wantReason)
			}
			if tt.err != nil && tt.err.Error() != tt.wantText {
				t.Errorf("Error() = %q, want %q", tt.err.Error(), tt.wantText)
			}
		})
	}
}
