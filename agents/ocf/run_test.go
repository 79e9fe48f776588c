package ocf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

func TestRunMetadata(t *testing.T) {
	a := testAgent()
	want := metadata(t, a)
	// meta-data must work with no parameters at all (ocf-tester runs it
	// as nobody with an empty environment), and must not be disturbed by
	// bad ones.
	for name, env := range map[string][]string{
		"empty environment": nil,
		"bad parameters":    {"OCF_RESKEY_port=x", "OCF_RESKEY_CRM_meta_timeout=1"},
	} {
		t.Run(name, func(t *testing.T) {
			r := dispatch(t, a, env, nil, "meta-data")
			if r.rc != Success {
				t.Errorf("rc %s, want OCF_SUCCESS; stderr:\n%s", r.rc, r.stderr)
			}
			if r.stdout != string(want) {
				t.Errorf("stdout is not the meta-data:\n%s", r.stdout)
			}
			if r.stderr != "" {
				t.Errorf("stderr %q, want nothing", r.stderr)
			}
		})
	}
}

func TestRunManPage(t *testing.T) {
	r := dispatch(t, testAgent(), nil, nil, "manpage")
	if r.rc != Success || r.stderr != "" {
		t.Errorf("rc %s stderr %q, want success and nothing", r.rc, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, ".TH OCF_QVD_DUMMY 7 ") {
		t.Errorf("stdout does not start a man page:\n%.200s", r.stdout)
	}
}

func TestRunUsage(t *testing.T) {
	const usage = "usage: /usr/lib/ocf/resource.d/qvd/dummy {start|stop|monitor|promote|demote|notify|validate-all|meta-data}\n"
	tests := []struct {
		name string
		args []string
		rc   RC
	}{
		{"usage", []string{"usage"}, Success},
		{"help", []string{"help"}, Success},
		{"--help", []string{"--help"}, Success},
		{"-h", []string{"-h"}, Success},
		{"no action", nil, ErrArgs},
		{"two actions", []string{"start", "stop"}, ErrArgs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := dispatch(t, testAgent(), validEnv(), nil, tt.args...)
			if r.rc != tt.rc {
				t.Errorf("rc %s, want %s", r.rc, tt.rc)
			}
			if r.stderr != usage {
				t.Errorf("stderr %q, want %q", r.stderr, usage)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
		})
	}

	t.Run("no program name", func(t *testing.T) {
		var stderr bytes.Buffer
		d := Dispatcher{Stdout: &bytes.Buffer{}, Stderr: &stderr}
		if rc := d.Run(testAgent(), nil); rc != ErrArgs {
			t.Errorf("rc %s, want OCF_ERR_ARGS", rc)
		}
		if !strings.HasPrefix(stderr.String(), "usage: dummy {start|") {
			t.Errorf("stderr %q, want usage naming the agent", stderr.String())
		}
	})
}

func TestRunUnknownAction(t *testing.T) {
	for _, action := range []string{"reload-agent", "reload", "status", "migrate_to", "", "START"} {
		t.Run(action, func(t *testing.T) {
			r := dispatch(t, testAgent(), validEnv(), nil, action)
			if r.rc != ErrUnimplemented {
				t.Errorf("rc %s, want OCF_ERR_UNIMPLEMENTED", r.rc)
			}
			want := fmt.Sprintf("ocf-exit-reason:action %q is not implemented by ocf:qvd:dummy", action)
			if got := r.lastStderrLine(); got != want {
				t.Errorf("last stderr line %q, want %q", got, want)
			}
			if !strings.HasPrefix(r.stderr, "usage: ") {
				t.Errorf("stderr does not start with usage:\n%s", r.stderr)
			}
		})
	}
}

func TestRunValidateAll(t *testing.T) {
	tests := []struct {
		name       string
		validate   ActionFunc // nil: the runtime's own
		env        []string
		rc         RC
		wantReason string
	}{
		{"runtime's, good", nil, validEnv(), Success, ""},
		{"runtime's, bad", nil, validEnv("OCF_RESKEY_port=x"), ErrConfigured, `parameter port="x" is not an integer`},
		{"runtime's, missing required", nil, []string{"OCF_RESOURCE_INSTANCE=res:1"}, ErrConfigured, "parameter path is required"},
		{"agent's, good", func(context.Context, *Request) error { return nil }, validEnv(), Success, ""},
		{"agent's, not installed", func(context.Context, *Request) error { return Fail(ErrInstalled, "pg_ctl not found") },
			validEnv(), ErrInstalled, "pg_ctl not found"},
		{"agent's, not reached with bad parameters", func(context.Context, *Request) error { panic("called") },
			validEnv("OCF_RESKEY_enabled=perhaps"), ErrConfigured, `parameter enabled="perhaps" is not a boolean (use true or false)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := testAgent()
			if tt.validate != nil {
				a.Actions = append(a.Actions, Action{Name: "validate-all", Func: tt.validate, Timeout: 10 * time.Second})
			}
			r := dispatch(t, a, tt.env, nil, "validate-all")
			if r.rc != tt.rc {
				t.Errorf("rc %s, want %s; stderr:\n%s", r.rc, tt.rc, r.stderr)
			}
			checkReason(t, r, tt.wantReason)
		})
	}
}

// checkReason checks that a failure says why, on the last line of stderr,
// exactly once: as ocf_exit_reason does, the log line with the same text
// skips stderr (TestExitReasonLogged checks it is logged); and that
// anything else prints no reason.
func checkReason(t *testing.T, r result, want string) {
	t.Helper()
	reasons := r.exitReasons()
	if want == "" {
		if len(reasons) != 0 {
			t.Errorf("exit reasons %q, want none", reasons)
		}
		return
	}
	if len(reasons) != 1 || reasons[0] != want {
		t.Errorf("exit reasons %q, want exactly %q", reasons, want)
	}
	if got := r.lastStderrLine(); got != "ocf-exit-reason:"+want {
		t.Errorf("last stderr line %q, want the exit reason", got)
	}
	if n := strings.Count(r.stderr, want); n != 1 {
		t.Errorf("stderr has the reason %d times, want once:\n%s", n, r.stderr)
	}
}

func TestRunBadParameters(t *testing.T) {
	called := false
	a := withFunc(testAgent(), "start", func(context.Context, *Request) error { called = true; return nil })
	env := []string{"OCF_RESOURCE_INSTANCE=res:1", "OCF_RESKEY_port=54x", "OCF_RESKEY_mode=slow",
		"OCF_RESKEY_password=s3cr3t-value"}
	r := dispatch(t, a, env, nil, "start")
	if r.rc != ErrConfigured {
		t.Errorf("rc %s, want OCF_ERR_CONFIGURED", r.rc)
	}
	if called {
		t.Error("start ran with bad parameters")
	}
	checkReason(t, r, `parameter path is required; parameter port="54x" is not an integer; parameter mode="slow": must be fast or smart`)
	if strings.Contains(r.stderr, "s3cr3t") {
		t.Errorf("stderr shows the password:\n%s", r.stderr)
	}
}

func TestRunActionResults(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		rc     RC
		reason string
	}{
		{"success", nil, Success, ""},
		{"not running", Result(NotRunning), NotRunning, ""},
		{"running promoted", Result(RunningPromoted), RunningPromoted, ""},
		{"not running with a reason", Fail(NotRunning, "pgdata absent on this node"), NotRunning, "pgdata absent on this node"},
		{"degraded", Fail(Degraded, "split brain: resolve by hand"), Degraded, "split brain: resolve by hand"},
		{"typed", Fail(ErrPerm, "%s is owned by root", "/srv"), ErrPerm, "/srv is owned by root"},
		{"plain error", errors.New("connection refused"), ErrGeneric, "connection refused"},
		{"wrapped typed", fmt.Errorf("start: %w", Fail(ErrInstalled, "no pg_ctl")), ErrInstalled, "start: no pg_ctl"},
		{"wrapped plain", fmt.Errorf("monitor: %w", context.DeadlineExceeded), ErrGeneric, "monitor: context deadline exceeded"},
		{"newlines flattened", Fail(ErrGeneric, "psql: error:\nFATAL: denied\n"), ErrGeneric, "psql: error: FATAL: denied "},
		{"wrapped multi-line", fmt.Errorf("write check:\n%w", errors.New("ERROR: read-only\nHINT: x")), ErrGeneric, "write check: ERROR: read-only HINT: x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := withFunc(testAgent(), "start", func(_ context.Context, req *Request) error {
				req.Log.Infof("starting")
				return tt.err
			})
			r := dispatch(t, a, validEnv(), nil, "start")
			if r.rc != tt.rc {
				t.Errorf("rc %s, want %s", r.rc, tt.rc)
			}
			checkReason(t, r, tt.reason)
			if !strings.HasPrefix(r.stderr, "dummy(res:1)[4242]: INFO: starting\n") {
				t.Errorf("stderr does not start with the action's log line:\n%s", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
		})
	}
}

func TestRunActionWithoutFunc(t *testing.T) {
	// notify is advertised but has no function: nothing to do.
	r := dispatch(t, testAgent(), validEnv(), nil, "notify")
	if r.rc != Success || r.stderr != "" {
		t.Errorf("rc %s stderr %q, want success and nothing", r.rc, r.stderr)
	}
}

func TestRunPanic(t *testing.T) {
	tests := []struct {
		name   string
		f      ActionFunc
		reason string
	}{
		{"panic", func(context.Context, *Request) error { panic("boom\nsecond line") },
			"internal error in start: boom second line"},
		{"nil map", func(context.Context, *Request) error { var m map[string]int; m["x"]++; return nil },
			"internal error in start: assignment to entry in nil map"},
		{"undeclared parameter", func(_ context.Context, req *Request) error { req.Params.String("nope"); return nil },
			"internal error in start: ocf: parameter nope is not declared"},
		{"panic with an error", func(context.Context, *Request) error { panic(Fail(Success, "not a result")) },
			"internal error in start: not a result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := dispatch(t, withFunc(testAgent(), "start", tt.f), validEnv(), nil, "start")
			if r.rc != ErrGeneric {
				t.Errorf("rc %s, want OCF_ERR_GENERIC", r.rc)
			}
			checkReason(t, r, tt.reason)
			for _, trace := range []string{"goroutine ", ".go:", "panic("} {
				if strings.Contains(r.stderr, trace) {
					t.Errorf("stderr has a stack trace (%q):\n%s", trace, r.stderr)
				}
			}
		})
	}
}

// requestOf runs action in-process and returns the request and the
// deadline the action saw, bracketed by the times before and after Run.
func requestOf(t *testing.T, a *Agent, action string, env []string) (req *Request, deadline, before, after time.Time) {
	t.Helper()
	a = withFunc(a, action, func(ctx context.Context, r *Request) error {
		req = r
		var ok bool
		if deadline, ok = ctx.Deadline(); !ok {
			t.Error("the action's context has no deadline")
		}
		return nil
	})
	before = time.Now()
	r := dispatch(t, a, env, nil, action)
	after = time.Now()
	if r.rc != Success {
		t.Fatalf("rc %s, stderr:\n%s", r.rc, r.stderr)
	}
	if req == nil {
		t.Fatal("the action did not run")
	}
	return req, deadline, before, after
}

func TestRunDeadline(t *testing.T) {
	validate := testAgent()
	validate.Actions = append(validate.Actions, Action{Name: "validate-all"}) // no timeout declared
	tests := []struct {
		name    string
		agent   *Agent
		action  string
		env     []string
		timeout time.Duration
		budget  time.Duration
	}{
		{"ocf-tester's 20 s", testAgent(), "start", validEnv("OCF_RESKEY_CRM_meta_timeout=20000"), 20 * time.Second, 18 * time.Second},
		{"10 s", testAgent(), "monitor", validEnv("OCF_RESKEY_CRM_meta_timeout=10000"), 10 * time.Second, 9 * time.Second},
		{"2 s", testAgent(), "stop", validEnv("OCF_RESKEY_CRM_meta_timeout=2000"), 2 * time.Second, 1500 * time.Millisecond},
		{"300 s", testAgent(), "promote", validEnv("OCF_RESKEY_CRM_meta_timeout=300000"), 300 * time.Second, 295 * time.Second},
		{"by hand: declared", testAgent(), "start", validEnv(), 60 * time.Second, 55 * time.Second},
		{"garbage: declared", testAgent(), "stop", validEnv("OCF_RESKEY_CRM_meta_timeout=30s"), 30 * time.Second, 27 * time.Second},
		{"by hand, none declared: default", validate, "validate-all", validEnv(), 20 * time.Second, 18 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, deadline, before, after := requestOf(t, tt.agent, tt.action, tt.env)
			if req.Timeout != tt.timeout {
				t.Errorf("req.Timeout %s, want %s", req.Timeout, tt.timeout)
			}
			if deadline.Before(before.Add(tt.budget)) || deadline.After(after.Add(tt.budget)) {
				t.Errorf("deadline %s after the start, want %s", deadline.Sub(before), tt.budget)
			}
		})
	}
}

func TestRunRequest(t *testing.T) {
	tests := []struct {
		name       string
		action     string
		env        []string
		probe      bool
		interval   time.Duration
		checkLevel int
		instance   string
	}{
		{"probe", "monitor", validEnv("OCF_RESKEY_CRM_meta_interval=0"), true, 0, 0, "res:1"},
		{"probe by hand", "monitor", validEnv(), true, 0, 0, "res:1"},
		{"recurring monitor", "monitor", validEnv("OCF_RESKEY_CRM_meta_interval=10000"), false, 10 * time.Second, 0, "res:1"},
		{"deep monitor", "monitor", validEnv("OCF_RESKEY_CRM_meta_interval=10000", "OCF_CHECK_LEVEL=10"), false, 10 * time.Second, 10, "res:1"},
		{"deep probe", "monitor", validEnv("OCF_RESKEY_CRM_meta_interval=0", "OCF_CHECK_LEVEL=20"), true, 0, 20, "res:1"},
		{"bad check level", "monitor", validEnv("OCF_CHECK_LEVEL=deep"), true, 0, 0, "res:1"},
		// Pacemaker before 2.0.5 passes the operation's OCF_CHECK_LEVEL with
		// the prefix, as every other attribute; ocf-shellfuncs takes it.
		{"prefixed check level", "monitor", validEnv("OCF_RESKEY_OCF_CHECK_LEVEL=10"), true, 0, 10, "res:1"},
		{"unprefixed check level wins", "monitor", validEnv("OCF_RESKEY_OCF_CHECK_LEVEL=10", "OCF_CHECK_LEVEL=20"), true, 0, 20, "res:1"},
		{"start is no probe", "start", validEnv("OCF_RESKEY_CRM_meta_interval=0"), false, 0, 0, "res:1"},
		{"no instance", "start", []string{"OCF_RESKEY_path=/x"}, false, 0, 0, "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _, _, _ := requestOf(t, testAgent(), tt.action, tt.env)
			if req.Action != tt.action || req.IsProbe() != tt.probe || req.Interval != tt.interval ||
				req.CheckLevel != tt.checkLevel || req.Instance != tt.instance {
				t.Errorf("request %s probe=%v interval=%s level=%d instance=%q; want %s probe=%v interval=%s level=%d instance=%q",
					req.Action, req.IsProbe(), req.Interval, req.CheckLevel, req.Instance,
					tt.action, tt.probe, tt.interval, tt.checkLevel, tt.instance)
			}
			if req.Notify != nil {
				t.Errorf("Notify set for %s", tt.action)
			}
			if req.Log == nil || req.Run == nil {
				t.Error("request without Log or Run")
			}
		})
	}
}

func TestRunRequestParamsAndMeta(t *testing.T) {
	env := validEnv("OCF_RESKEY_port=6000", "OCF_RESKEY_enabled=off",
		"OCF_RESKEY_CRM_meta_clone_max=2", "OCF_RESKEY_CRM_meta_promoted_max=1",
		"OCF_RESKEY_CRM_meta_notify=true", "OCF_RESKEY_CRM_meta_on_fail=restart", "NOT_OCF=1")
	req, _, _, _ := requestOf(t, testAgent(), "start", env)
	if req.Params.String("path") != "/srv/data" || req.Params.Int("port") != 6000 || req.Params.Bool("enabled") {
		t.Errorf("params path=%q port=%d enabled=%v", req.Params.String("path"), req.Params.Int("port"), req.Params.Bool("enabled"))
	}
	want := map[string]string{"clone_max": "2", "promoted_max": "1", "notify": "true", "on_fail": "restart"}
	if fmt.Sprint(req.Meta) != fmt.Sprint(want) {
		t.Errorf("Meta %v, want %v", req.Meta, want)
	}
}

func TestIsProbe(t *testing.T) {
	tests := []struct {
		action   string
		interval time.Duration
		want     bool
	}{
		{"monitor", 0, true},
		{"monitor", time.Second, false},
		{"start", 0, false},
		{"stop", 0, false},
		{"validate-all", 0, false},
	}
	for _, tt := range tests {
		r := &Request{Action: tt.action, Interval: tt.interval}
		if got := r.IsProbe(); got != tt.want {
			t.Errorf("IsProbe(%s, %s) = %v, want %v", tt.action, tt.interval, got, tt.want)
		}
	}
}

func TestRunPassesRunner(t *testing.T) {
	var got []string
	fake := runner.Func(func(ctx context.Context, cmd runner.Cmd) (runner.Result, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("the command's context has no deadline")
		}
		got = append(got, cmd.String())
		if cmd.Path == "/bin/false" {
			return runner.Result{ExitCode: 1}, &runner.ExitError{Cmd: cmd.Path, Code: 1, Stderr: "nope\n"}
		}
		return runner.Result{Stdout: []byte("out")}, nil
	})
	a := withFunc(testAgent(), "start", func(ctx context.Context, req *Request) error {
		res, err := req.Run.Run(ctx, runner.Cmd{Path: "/bin/echo", Args: []string{"a", "b"}})
		if err != nil || string(res.Stdout) != "out" {
			return fmt.Errorf("echo: %q, %v", res.Stdout, err)
		}
		_, err = req.Run.Run(ctx, runner.Cmd{Path: "/bin/false"})
		return err
	})
	r := dispatch(t, a, validEnv(), fake, "start")
	if want := []string{"/bin/echo a b", "/bin/false"}; !slices.Equal(got, want) {
		t.Errorf("commands %q, want %q", got, want)
	}
	if r.rc != ErrGeneric {
		t.Errorf("rc %s, want OCF_ERR_GENERIC", r.rc)
	}
	checkReason(t, r, "/bin/false exited with status 1: nope")
}

// TestProbeNotRunningIsNoFailure: a probe's 7 is the expected answer, so
// its reason is logged at INFO and no exit reason is printed; a recurring
// monitor's 7 keeps its exit reason.
func TestProbeNotRunningIsNoFailure(t *testing.T) {
	a := withFunc(testAgent(), "monitor", func(context.Context, *Request) error {
		return Fail(NotRunning, "pgdata absent on this node")
	})
	probe := dispatch(t, a, validEnv("OCF_RESKEY_CRM_meta_interval=0"), nil, "monitor")
	if probe.rc != NotRunning || len(probe.exitReasons()) != 0 ||
		!strings.Contains(probe.stderr, "INFO: pgdata absent on this node") {
		t.Errorf("probe: rc %s, stderr:\n%s\nwant 7, an INFO line and no exit reason", probe.rc, probe.stderr)
	}
	recurring := dispatch(t, a, validEnv("OCF_RESKEY_CRM_meta_interval=10000"), nil, "monitor")
	if recurring.rc != NotRunning {
		t.Errorf("recurring monitor: rc %s, want 7", recurring.rc)
	}
	checkReason(t, recurring, "pgdata absent on this node")
}

// TestStopWithBadParameters: a stop that cannot identify its instance is
// no success; the reason names each bad parameter (see doc.go).
func TestStopWithBadParameters(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		reason string
	}{
		{"required parameter missing", []string{"OCF_RESOURCE_INSTANCE=res:1"}, "parameter path is required"},
		{"malformed value", validEnv("OCF_RESKEY_port=5432x"), `parameter port="5432x" is not an integer`},
		{"value failing its check", validEnv("OCF_RESKEY_mode=slow"), `parameter mode="slow": must be fast or smart`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			a := withFunc(testAgent(), "stop", func(context.Context, *Request) error { called = true; return nil })
			r := dispatch(t, a, tt.env, nil, "stop")
			if r.rc != ErrConfigured || called {
				t.Errorf("rc %s, stop function called %v; want OCF_ERR_CONFIGURED without calling it", r.rc, called)
			}
			checkReason(t, r, tt.reason)
		})
	}
}
