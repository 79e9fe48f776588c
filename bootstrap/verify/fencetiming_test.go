package verify

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// loadConfig is the defaults with overrides, as --set gives them.
func loadConfig(t *testing.T, set ...string) *config.Config {
	t.Helper()
	c, err := config.Load(nil, "test", set)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// slowClock advances by step at every reading, so that every timed call
// (two readings) seems to take step.
func slowClock(step time.Duration) func() time.Time {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		now = now.Add(step)
		return now
	}
}

// TestFenceTimingFake: what the agent is given, and the decision, with a
// fake agent and clock.
func TestFenceTimingFake(t *testing.T) {
	secrets := t.TempDir()
	for _, tc := range []struct {
		name    string
		set     []string
		secret  bool // write p_fence_qvddb2's cibsecret password
		took    time.Duration
		code    int // the agent's exit: 0 ON, 2 OFF
		wantErr string
		want    []string // in the report
		stdin   []string // lines of the agent's input for qvddb2's device
	}{
		{name: "libvirt fast", took: 100 * time.Millisecond, code: 2,
			want:  []string{"p_fence_qvddb2 (fence_qvd_libvirt, plug qvddb2): 0.100 s", "priority-fencing-delay 5s is at least twice every device's time"},
			stdin: []string{"action=status", "hypervisor_uri=qemu+ssh://aries/system", "plug=qvddb2"}},
		{name: "libvirt slow", took: 3 * time.Second,
			wantErr: "priority-fencing-delay 5s is less than twice the time fence device p_fence_qvddb1 takes",
			want:    []string{"warning: priority-fencing-delay 5s is less than twice p_fence_qvddb2's 3.000 s", "set timer.priority_fencing_delay to 6 or more"}},
		{name: "xenapi default delay", set: []string{"fencing=xenapi", "node2.fence_target=vm-2"}, took: 3 * time.Second,
			want:  []string{"priority-fencing-delay 10s is at least twice"},
			stdin: []string{"action=status", "session_url=https://aries", "username=root", "password_script=/etc/qvd-ha/xenapi-password", "plug=vm-2"}},
		{name: "xenapi cibsecret", set: []string{"fencing=xenapi", "fencing.password_source=cibsecret"}, secret: true, took: time.Second,
			stdin: []string{"action=status", "session_url=https://aries", "username=root", "plug=qvddb2", "password=s3cret"}},
		{name: "xenapi cibsecret elsewhere", set: []string{"fencing=xenapi", "fencing.password_source=cibsecret"}, took: time.Second,
			wantErr: "fence device p_fence_qvddb1 could not be timed: its password is kept by cibsecret and is not on this node"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadConfig(t, tc.set...)
			dir := filepath.Join(secrets, tc.name, "p_fence_qvddb2")
			if tc.secret {
				for _, n := range []string{"p_fence_qvddb1", "p_fence_qvddb2"} {
					dir = filepath.Join(secrets, tc.name, n)
					if err := os.MkdirAll(dir, 0o700); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, "password"), []byte("s3cret\n"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			var stdin string
			fake := runner.Func(func(ctx context.Context, cmd runner.Cmd) (runner.Result, error) {
				if _, ok := ctx.Deadline(); !ok {
					t.Error("the fence agent runs without a deadline")
				}
				if want := "/sbin-test/fence_qvd_" + c.Fencing; cmd.Path != want || len(cmd.Args) != 0 {
					t.Errorf("ran %s, want %s with no arguments (options go on stdin)", cmd, want)
				}
				in, err := io.ReadAll(cmd.Stdin)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(in), "plug=qvddb2") || strings.Contains(string(in), "plug=vm-2") {
					stdin = string(in)
				}
				if tc.code != 0 {
					return runner.Result{ExitCode: tc.code}, &runner.ExitError{Cmd: cmd.Path, Code: tc.code}
				}
				return runner.Result{}, nil
			})
			ft := FenceTimer{Run: fake, Now: slowClock(tc.took), Agents: "/sbin-test", Secrets: filepath.Join(secrets, tc.name), Timeout: time.Minute}
			report, err := ft.Check(context.Background(), c, cib.Build(c))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("error %v\n%s", err, report)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want %q\n%s", err, tc.wantErr, report)
			}
			for _, w := range tc.want {
				if !strings.Contains(report, w) {
					t.Errorf("report lacks %q:\n%s", w, report)
				}
			}
			if tc.stdin != nil {
				if got := strings.Split(strings.TrimSpace(stdin), "\n"); strings.Join(got, "|") != strings.Join(tc.stdin, "|") {
					t.Errorf("agent input %q, want %q", got, tc.stdin)
				}
			}
			if strings.Contains(report, "s3cret") || (err != nil && strings.Contains(err.Error(), "s3cret")) {
				t.Error("the password shows in the report or error")
			}
		})
	}
}
