package ocf

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

func TestTraceOn(t *testing.T) {
	tests := []struct {
		env  []string
		want bool
	}{
		{nil, false},
		{[]string{"OCF_TRACE_RA=1"}, true},
		{[]string{"OCF_TRACE_RA=yes"}, true},
		{[]string{"OCF_TRACE_RA=ON"}, true},
		{[]string{"OCF_TRACE_RA=0"}, false},
		{[]string{"OCF_TRACE_RA=maybe"}, false},
		// crm resource trace sets the operation's trace_ra attribute.
		{[]string{"OCF_RESKEY_trace_ra=1"}, true},
		{[]string{"OCF_RESKEY_trace_ra=true"}, true},
		{[]string{"OCF_RESKEY_trace_ra=0"}, false},
		// ocf-shellfuncs: OCF_TRACE_RA, when set, wins.
		{[]string{"OCF_TRACE_RA=0", "OCF_RESKEY_trace_ra=1"}, false},
		{[]string{"OCF_TRACE_RA=1", "OCF_RESKEY_trace_ra=0"}, true},
	}
	for _, tt := range tests {
		if got := traceOn(envFunc(tt.env...)); got != tt.want {
			t.Errorf("traceOn(%q) = %v, want %v", tt.env, got, tt.want)
		}
	}
}

func TestTraceDest(t *testing.T) {
	now := time.Date(2026, 12, 6, 8, 37, 8, 0, time.Local)
	const warning = "OCF_TRACE_FILE must be set to either FD (open for writing) or absolute file path"
	tests := []struct {
		name     string
		env      []string
		terminal bool
		dest     string
		warning  string
	}{
		{"default", nil, false, "/var/lib/heartbeat/trace_ra/dummy/res:1.start.2026-12-06.08:37:08", ""},
		{"trace_dir", []string{"OCF_RESKEY_trace_dir=/srv/tr"}, false, "/srv/tr/dummy/res:1.start.2026-12-06.08:37:08", ""},
		{"HA_VARLIB", []string{"HA_VARLIB=/var/lib/ha"}, false, "/var/lib/ha/trace_ra/dummy/res:1.start.2026-12-06.08:37:08", ""},
		{"OCF_RESOURCE_TYPE", []string{"OCF_RESOURCE_TYPE=pgsql"}, false, "/var/lib/heartbeat/trace_ra/pgsql/res:1.start.2026-12-06.08:37:08", ""},
		{"file", []string{"OCF_TRACE_FILE=/tmp/x/trace"}, false, "/tmp/x/trace", ""},
		{"crm_resource", []string{"OCF_TRACE_FILE=/dev/stderr"}, true, "/dev/stderr", ""},
		{"descriptor", []string{"OCF_TRACE_FILE=7"}, false, "/proc/self/fd/7", ""},
		{"terminal", nil, true, "", ""},
		{"relative file", []string{"OCF_TRACE_FILE=trace"}, false, "/var/lib/heartbeat/trace_ra/dummy/res:1.start.2026-12-06.08:37:08", warning},
		{"one slash", []string{"OCF_TRACE_FILE=/trace"}, false, "/var/lib/heartbeat/trace_ra/dummy/res:1.start.2026-12-06.08:37:08", warning},
		{"descriptor 2", []string{"OCF_TRACE_FILE=2"}, true, "", warning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest, warn := traceDest(envFunc(tt.env...), "dummy", "res:1", "start", tt.terminal, now)
			if dest != tt.dest || warn != tt.warning {
				t.Errorf("traceDest = %q, %q; want %q, %q", dest, warn, tt.dest, tt.warning)
			}
		})
	}
}

// tracedAgent logs at every level and runs two commands, one failing.
func tracedAgent() *Agent {
	return withFunc(testAgent(), "start", func(ctx context.Context, req *Request) error {
		req.Log.Infof("starting %s", req.Params.String("path"))
		req.Log.Debugf("a debug detail")
		if _, err := req.Run.Run(ctx, runner.Cmd{Path: "/bin/echo", Args: []string{"a", "b"}}); err != nil {
			return err
		}
		_, err := req.Run.Run(ctx, runner.Cmd{Path: "/bin/false", Args: []string{"--flag"}, Dir: "/srv",
			Credential: &syscall.Credential{Uid: 26, Gid: 26}})
		return err
	})
}

func traceRunner() runner.Runner {
	return runner.Func(func(_ context.Context, cmd runner.Cmd) (runner.Result, error) {
		if cmd.Path == "/bin/false" {
			return runner.Result{ExitCode: 1, Stderr: []byte("it failed\n")}, &runner.ExitError{Cmd: cmd.Path, Code: 1, Stderr: "it failed"}
		}
		return runner.Result{Stdout: []byte("a b\n")}, nil
	})
}

// TestTraceFile is `crm resource trace RSC start` as Pacemaker runs the
// traced start: trace_ra and trace_dir as parameters. The trace holds the
// environment with secrets hidden, every log line including debug ones,
// every command with its arguments, status and output, and the result;
// what the executor sees on stderr is what it sees untraced.
func TestTraceFile(t *testing.T) {
	dir := t.TempDir()
	base := validEnv("OCF_RESOURCE_TYPE=dummy", "OCF_RESKEY_password=s3cr3t-value", "OCF_RESKEY_CRM_meta_timeout=20000")
	untraced := dispatch(t, tracedAgent(), base, traceRunner(), "start")
	traced := dispatch(t, tracedAgent(), append(base, "OCF_RESKEY_trace_ra=1", "OCF_RESKEY_trace_dir="+dir), traceRunner(), "start")
	if traced.rc != ErrGeneric || untraced.rc != ErrGeneric {
		t.Errorf("rc %s traced, %s untraced; want OCF_ERR_GENERIC", traced.rc, untraced.rc)
	}
	if traced.stderr != untraced.stderr {
		t.Errorf("stderr traced:\n%s\nuntraced:\n%s", traced.stderr, untraced.stderr)
	}

	files, err := filepath.Glob(filepath.Join(dir, "dummy", "*"))
	if err != nil || len(files) != 1 {
		t.Fatalf("trace files %q (%v), want one", files, err)
	}
	if name := filepath.Base(files[0]); !regexp.MustCompile(`^res:1\.start\.\d{4}-\d\d-\d\d\.\d\d:\d\d:\d\d$`).MatchString(name) {
		t.Errorf("trace file %s, want <instance>.<action>.<date +%%F.%%T>", name)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("trace file mode %v (%v), want 0600: it holds the parameters", fi.Mode(), err)
	}
	trace := readFile(t, files[0])
	for _, want := range []string{
		"environment:\n",
		"\tOCF_RESKEY_path=/srv/data\n",
		"\tOCF_RESKEY_password=(value hidden)\n",
		"\tOCF_RESKEY_trace_ra=1\n",
		"dummy(res:1)[4242]: DEBUG: start (timeout 20s, deadline in 18s)\n",
		"dummy(res:1)[4242]: INFO: starting /srv/data\n",
		"dummy(res:1)[4242]: DEBUG: a debug detail\n",
		"dummy(res:1)[4242]: DEBUG: running /bin/echo a b\n",
		"dummy(res:1)[4242]: DEBUG: /bin/echo exited with status 0 after ",
		`dummy(res:1)[4242]: DEBUG: /bin/echo stdout: "a b\n"` + "\n",
		"dummy(res:1)[4242]: DEBUG: running /bin/false --flag as uid 26 gid 26 in /srv\n",
		"dummy(res:1)[4242]: DEBUG: /bin/false failed after ",
		": /bin/false exited with status 1: it failed\n",
		`dummy(res:1)[4242]: DEBUG: /bin/false stderr: "it failed\n"` + "\n",
		"dummy(res:1)[4242]: ERROR: /bin/false exited with status 1: it failed\n",
		"dummy(res:1)[4242]: DEBUG: start finished with OCF_ERR_GENERIC (rc 1) after ",
	} {
		if !strings.Contains(trace, want) {
			t.Errorf("trace lacks %q:\n%s", want, trace)
		}
	}
	if strings.Contains(trace, "s3cr3t") {
		t.Errorf("trace shows the password:\n%s", trace)
	}
	for _, line := range strings.Split(strings.TrimSuffix(trace, "\n"), "\n") {
		if !strings.HasPrefix(line, "\t") && line != "environment:" &&
			!regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{6} dummy\(res:1\)\[4242\]: `).MatchString(line) {
			t.Errorf("trace line %q has no time and tag", line)
		}
	}
}

// TestTraceBadParameters: the trace starts before the parameters are
// parsed, so a configuration error is in it too.
func TestTraceBadParameters(t *testing.T) {
	dir := t.TempDir()
	r := dispatch(t, testAgent(), []string{"OCF_RESOURCE_INSTANCE=res:1", "OCF_RESKEY_trace_ra=1", "OCF_RESKEY_trace_dir=" + dir}, nil, "stop")
	if r.rc != ErrConfigured {
		t.Errorf("rc %s, want OCF_ERR_CONFIGURED", r.rc)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "dummy", "res:1.stop.*"))
	if len(files) != 1 {
		t.Fatalf("trace files %q, want one", files)
	}
	if trace := readFile(t, files[0]); !strings.Contains(trace, "ERROR: parameter path is required\n") {
		t.Errorf("trace lacks the reason:\n%s", trace)
	}
}

// TestTraceToStderr is crm_resource -VV: OCF_TRACE_RA=1, HA_debug=1 and
// OCF_TRACE_FILE=/dev/stderr. Every line reaches stderr once, in the
// trace's form.
func TestTraceToStderr(t *testing.T) {
	for _, terminal := range []bool{false, true} {
		env := validEnv("OCF_TRACE_RA=1", "HA_debug=1", "OCF_TRACE_FILE=/dev/stderr")
		var r result
		if terminal {
			r = dispatchTerminal(t, tracedAgent(), env, traceRunner(), "start")
		} else {
			r = dispatch(t, tracedAgent(), env, traceRunner(), "start")
		}
		if r.rc != ErrGeneric {
			t.Errorf("terminal %v: rc %s, want OCF_ERR_GENERIC", terminal, r.rc)
		}
		for _, want := range []string{"environment:\n", "INFO: starting /srv/data\n", "DEBUG: a debug detail\n", "DEBUG: running /bin/false --flag as uid 26 gid 26 in /srv\n"} {
			if n := strings.Count(r.stderr, want); n != 1 {
				t.Errorf("terminal %v: %q %d times on stderr, want once:\n%s", terminal, want, n, r.stderr)
			}
		}
		// The trace repeats the reason in its log lines; the exit reason
		// is still printed once, last.
		const want = "/bin/false exited with status 1: it failed"
		if got := r.exitReasons(); len(got) != 1 || got[0] != want || r.lastStderrLine() != "ocf-exit-reason:"+want {
			t.Errorf("terminal %v: exit reasons %q, last line %q; want %q once, last", terminal, got, r.lastStderrLine(), want)
		}
	}
}

// TestTraceNotWritable: a trace that cannot be written is a warning, not
// a failure of the action.
func TestTraceNotWritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ok := withFunc(testAgent(), "start", func(context.Context, *Request) error { return nil })
	r := dispatch(t, ok, validEnv("OCF_RESKEY_trace_ra=1", "OCF_RESKEY_trace_dir="+file), nil, "start")
	if r.rc != Success {
		t.Errorf("rc %s, want OCF_SUCCESS", r.rc)
	}
	if !strings.Contains(r.stderr, "WARNING: "+filepath.Join(file, "dummy", "res:1.start.")) || !strings.Contains(r.stderr, "not writable, trace not going to happen") {
		t.Errorf("stderr does not warn:\n%s", r.stderr)
	}
}

// TestTraceDescriptor: OCF_TRACE_FILE=3..9 names a descriptor the caller
// opened; the trace is appended to it.
func TestTraceDescriptor(t *testing.T) {
	file := filepath.Join(t.TempDir(), "trace")
	if err := os.WriteFile(file, []byte("caller's line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	// The test's own descriptors 3 to 9 may be taken; the agent's would be
	// the caller's, so any number works the same through /proc/self/fd.
	dest := "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	g, err := openTrace(dest)
	if err != nil {
		t.Fatalf("openTrace(%s): %v", dest, err)
	}
	g.WriteString("trace line\n")
	g.Close()
	if got := readFile(t, file); got != "caller's line\ntrace line\n" {
		t.Errorf("file %q, want the caller's line kept and the trace appended", got)
	}
}
