package ocf

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// testAgent is a small but complete agent: every parameter type, a secret,
// a deprecated parameter, a Check, and a promotable set of actions.
func testAgent() *Agent {
	return &Agent{
		Name:    "dummy",
		Version: "1.2.3",
		Short:   "Test agent",
		Long:    "A test agent for the OCF runtime.\n\nIt manages nothing.",
		Params: []Param{
			{Name: "path", Required: true, Unique: true, Short: "Path", Long: "Path of the thing."},
			{Name: "port", Type: Integer, Default: "5432", Short: "Port", Long: "TCP port."},
			{Name: "enabled", Type: Boolean, Default: "true", Short: "Enabled", Long: "Whether to do it."},
			{Name: "password", Secret: true, Short: "Password", Long: "Secret password."},
			{Name: "old_opt", Deprecated: "use path instead", Short: "Old option", Long: "An old option."},
			{Name: "mode", Default: "fast", Short: "Mode", Long: "fast or smart.",
				Check: func(v string) error {
					if v != "fast" && v != "smart" {
						return errorString("must be fast or smart")
					}
					return nil
				}},
		},
		Actions: []Action{
			{Name: "start", Timeout: 60 * time.Second},
			{Name: "stop", Timeout: 30 * time.Second},
			{Name: "monitor", Timeout: 20 * time.Second, Interval: 10 * time.Second, Role: "Promoted", Depth: 10},
			{Name: "monitor", Timeout: 20 * time.Second, Interval: 11 * time.Second, Role: "Unpromoted"},
			{Name: "promote", Timeout: 90 * time.Second},
			{Name: "demote", Timeout: 90 * time.Second},
			{Name: "notify", Timeout: 90 * time.Second},
		},
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// withFunc returns a copy of a with f as the function of every action
// named name.
func withFunc(a *Agent, name string, f ActionFunc) *Agent {
	b := *a
	b.Actions = append([]Action(nil), a.Actions...)
	for i := range b.Actions {
		if b.Actions[i].Name == name {
			b.Actions[i].Func = f
		}
	}
	return &b
}

// validEnv is an environment in which every parameter of testAgent parses.
func validEnv(extra ...string) []string {
	return append([]string{
		"OCF_ROOT=/usr/lib/ocf",
		"OCF_RESOURCE_INSTANCE=res:1",
		"OCF_RESKEY_path=/srv/data",
	}, extra...)
}

type result struct {
	rc     RC
	stdout string
	stderr string
}

// lastStderrLine is the last line written to stderr.
func (r result) lastStderrLine() string {
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	return lines[len(lines)-1]
}

// exitReasons returns every ocf-exit-reason line's text.
func (r result) exitReasons() []string {
	var reasons []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if s, ok := strings.CutPrefix(l, "ocf-exit-reason:"); ok {
			reasons = append(reasons, s)
		}
	}
	return reasons
}

// dispatch runs one action in-process. The runner fails the test when an
// action runs a command unless the test passes its own.
func dispatch(t *testing.T, a *Agent, env []string, run runner.Runner, args ...string) result {
	t.Helper()
	return dispatchOn(t, false, a, env, run, args...)
}

// dispatchTerminal runs one action as from a shell: standard input on a
// terminal.
func dispatchTerminal(t *testing.T, a *Agent, env []string, run runner.Runner, args ...string) result {
	t.Helper()
	return dispatchOn(t, true, a, env, run, args...)
}

func dispatchOn(t *testing.T, terminal bool, a *Agent, env []string, run runner.Runner, args ...string) result {
	t.Helper()
	if run == nil {
		run = runner.Func(func(_ context.Context, cmd runner.Cmd) (runner.Result, error) {
			t.Errorf("unexpected command %s", cmd)
			return runner.Result{}, errorString("no commands in this test")
		})
	}
	var stdout, stderr bytes.Buffer
	d := Dispatcher{Env: env, Stdout: &stdout, Stderr: &stderr, Runner: run, Pid: 4242, Terminal: terminal}
	rc := d.Run(a, append([]string{"/usr/lib/ocf/resource.d/qvd/" + a.Name}, args...))
	return result{rc: rc, stdout: stdout.String(), stderr: stderr.String()}
}

// envFunc turns KEY=value pairs into a getenv function.
func envFunc(kv ...string) func(string) string {
	m := map[string]string{}
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}
