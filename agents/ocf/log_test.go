package ocf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/syslog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

func logAll(l *Logger) {
	l.Errorf("e %d", 1)
	l.Warnf("w %s", "two")
	l.Infof("i %v", 3.5)
	l.Debugf("d %q", "four")
}

func TestLoggerLevelsAndDebug(t *testing.T) {
	const (
		e = "pgsql(pg:0)[77]: ERROR: e 1\n"
		w = "pgsql(pg:0)[77]: WARNING: w two\n"
		i = "pgsql(pg:0)[77]: INFO: i 3.5\n"
		d = "pgsql(pg:0)[77]: DEBUG: d \"four\"\n"
	)
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"default", nil, e + w + i},
		{"HA_debug=1", []string{"HA_debug=1"}, e + w + i + d},
		{"HA_debug=0", []string{"HA_debug=0"}, e + w + i},
		{"HA_debug=yes", []string{"HA_debug=yes"}, e + w + i + d},
		// Tracing writes debug lines to the trace, not to the log.
		{"OCF_TRACE_RA=1", []string{"OCF_TRACE_RA=1"}, e + w + i},
	}
	for _, tt := range tests {
		for _, terminal := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, terminal %v", tt.name, terminal), func(t *testing.T) {
				var stderr bytes.Buffer
				logAll(newLogger("pgsql", "pg:0", 77, envFunc(tt.env...), &stderr, terminal))
				if stderr.String() != tt.want {
					t.Errorf("stderr\n%s\nwant\n%s", stderr.String(), tt.want)
				}
			})
		}
	}
}

// TestLoggerDestinations checks __ha_log's and ha_debug's rules: stderr
// only when nothing else takes a line (so that Pacemaker's executor, which
// logs an agent's stderr, does not log it a second time), debug lines to
// HA_DEBUGLOG but not HA_LOGFILE, HA_DEBUGLOG written once when it is
// HA_LOGFILE (as pacemaker-execd sets them), and everything on stderr only
// when run from a terminal.
func TestLoggerDestinations(t *testing.T) {
	const (
		e = "ERROR: e 1"
		w = "WARNING: w two"
		i = "INFO: i 3.5"
		d = `DEBUG: d "four"`
	)
	all, noDebug := []string{e, w, i, d}, []string{e, w, i}
	tests := []struct {
		name     string
		facility bool
		logFile  string // "log" or "" (unset)
		debugLog string // "log", "debug" or "" (unset)
		terminal bool
		// What each destination receives, with HA_debug=1.
		stderr, sink, log, debug []string
	}{
		{name: "nothing set: stderr", stderr: all},
		{name: "facility", facility: true, sink: all},
		{name: "HA_LOGFILE", logFile: "log", log: noDebug, stderr: []string{d}},
		{name: "HA_DEBUGLOG", debugLog: "debug", stderr: noDebug, debug: all},
		{name: "HA_LOGFILE and HA_DEBUGLOG", logFile: "log", debugLog: "debug", log: noDebug, debug: all},
		{name: "HA_DEBUGLOG is HA_LOGFILE", logFile: "log", debugLog: "log", log: all},
		{name: "everything", facility: true, logFile: "log", debugLog: "debug", sink: all, log: noDebug, debug: all},
		{name: "terminal", facility: true, logFile: "log", debugLog: "debug", terminal: true, stderr: all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"HA_debug=1"}
			if tt.logFile != "" {
				env = append(env, "HA_LOGFILE="+filepath.Join(dir, tt.logFile))
			}
			if tt.debugLog != "" {
				env = append(env, "HA_DEBUGLOG="+filepath.Join(dir, tt.debugLog))
			}
			var stderr bytes.Buffer
			l := newLogger("a", "i", 1, envFunc(env...), &stderr, tt.terminal)
			var sink []string
			if tt.facility {
				l.sink = func(_ Level, msg string) { sink = append(sink, strings.TrimPrefix(msg, "a(i)[1]: ")) }
			}
			logAll(l)
			check := func(what string, got, want []string) {
				t.Helper()
				if !slices.Equal(got, want) {
					t.Errorf("%s got %q, want %q", what, got, want)
				}
			}
			check("stderr", messages(stderr.String(), false), tt.stderr)
			check("system log", sink, tt.sink)
			check("HA_LOGFILE", messages(readIfExists(t, filepath.Join(dir, "log")), true), tt.log)
			if tt.debugLog == "debug" {
				check("HA_DEBUGLOG", messages(readIfExists(t, filepath.Join(dir, "debug")), true), tt.debug)
			}
		})
	}
}

// messages returns the message of each line of logger a(i)[1], after the
// tag and, in log files (dated), the date.
func messages(text string, dated bool) []string {
	var msgs []string
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if line == "" {
			continue
		}
		rest, ok := strings.CutPrefix(line, "a(i)[1]: ")
		if dated {
			var date string
			date, rest, _ = strings.Cut(rest, " ")
			ok = ok && len(date) == len("2006/01/02_15:04:05")
		}
		if !ok {
			rest = "unexpected line: " + line
		}
		msgs = append(msgs, rest)
	}
	return msgs
}

func readIfExists(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoggerFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		existing string // "" = no file yet
		want     string
	}{
		{"new file", "",
			"pgsql(pg)[9]: 2024/05/06_07:08:09 ERROR: e 1\n" +
				"pgsql(pg)[9]: 2024/05/06_07:08:09 WARNING: w two\n" +
				"pgsql(pg)[9]: 2024/05/06_07:08:09 INFO: i 3.5\n"},
		{"appended", "earlier line\n",
			"earlier line\n" +
				"pgsql(pg)[9]: 2024/05/06_07:08:09 ERROR: e 1\n" +
				"pgsql(pg)[9]: 2024/05/06_07:08:09 WARNING: w two\n" +
				"pgsql(pg)[9]: 2024/05/06_07:08:09 INFO: i 3.5\n"},
	}
	for n, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, fmt.Sprintf("ha-%d.log", n))
			if tt.existing != "" {
				if err := os.WriteFile(file, []byte(tt.existing), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var stderr bytes.Buffer
			l := newLogger("pgsql", "pg", 9, envFunc("HA_LOGFILE="+file), &stderr, false)
			l.nowFunc = func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.Local) }
			logAll(l)
			if got := readFile(t, file); got != tt.want {
				t.Errorf("%s:\n%s\nwant\n%s", file, got, tt.want)
			}
			if stderr.Len() != 0 {
				t.Errorf("with HA_LOGFILE, stderr has the lines a second time:\n%s", stderr.String())
			}
		})
	}
}

func TestLoggerUnwritableFile(t *testing.T) {
	// A log file that cannot be written is as good as none: the line goes
	// to stderr rather than nowhere.
	var stderr bytes.Buffer
	file := filepath.Join(t.TempDir(), "no", "such", "dir", "ha.log")
	l := newLogger("a", "i", 1, envFunc("HA_LOGFILE="+file), &stderr, false)
	l.Errorf("still logged")
	if stderr.String() != "a(i)[1]: ERROR: still logged\n" {
		t.Errorf("stderr %q", stderr.String())
	}
}

func TestLoggerSystemSink(t *testing.T) {
	for _, env := range [][]string{nil, {"HA_LOGFACILITY=none"}, {"HA_LOGFACILITY=none", "PCMK_logfacility=none"}} {
		if l := newLogger("a", "i", 1, envFunc(env...), &bytes.Buffer{}, false); l.sink != nil {
			t.Errorf("%q: logging to the system, want stderr only", env)
		}
	}

	// What reaches the system log: the tagged line at its level, and
	// debug lines only when debugging.
	type entry struct {
		lv  Level
		msg string
	}
	for _, debug := range []bool{false, true} {
		var got []entry
		l := newLogger("a", "i", 1, envFunc(), &bytes.Buffer{}, false)
		l.debug = debug
		l.sink = func(lv Level, msg string) { got = append(got, entry{lv, msg}) }
		logAll(l)
		want := []entry{{LevelError, "a(i)[1]: ERROR: e 1"}, {LevelWarning, "a(i)[1]: WARNING: w two"}, {LevelInfo, "a(i)[1]: INFO: i 3.5"}}
		if debug {
			want = append(want, entry{LevelDebug, `a(i)[1]: DEBUG: d "four"`})
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("debug=%v: sink got %v, want %v", debug, got, want)
		}
	}
}

func TestSyslogFacility(t *testing.T) {
	tests := map[string]syslog.Priority{
		"daemon": syslog.LOG_DAEMON, "DAEMON": syslog.LOG_DAEMON, "user": syslog.LOG_USER,
		"local0": syslog.LOG_LOCAL0, "local7": syslog.LOG_LOCAL7, "Local3": syslog.LOG_LOCAL3,
		"authpriv": syslog.LOG_AUTHPRIV, "bogus": syslog.LOG_DAEMON, "": syslog.LOG_DAEMON,
	}
	for name, want := range tests {
		if got := syslogFacility(name); got != want {
			t.Errorf("syslogFacility(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestLoggerConcurrent(t *testing.T) {
	var stderr bytes.Buffer
	file := filepath.Join(t.TempDir(), "ha.log")
	l := newLogger("a", "i", 1, envFunc("HA_DEBUGLOG="+file), &stderr, false)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 50 {
				l.Infof("goroutine %d line %d", g, n)
			}
		}()
	}
	wg.Wait()
	for name, text := range map[string]string{"stderr": stderr.String(), "file": readFile(t, file)} {
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if len(lines) != 400 {
			t.Errorf("%s: %d lines, want 400", name, len(lines))
		}
		for _, line := range lines {
			if !strings.HasPrefix(line, "a(i)[1]: ") || strings.Count(line, "goroutine") != 1 {
				t.Errorf("%s: mangled line %q", name, line)
				break
			}
		}
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTracedRunner: with debugging on, every command is logged with its
// arguments, how it ended and what it printed, but never its environment.
func TestTracedRunner(t *testing.T) {
	fake := runner.Func(func(_ context.Context, cmd runner.Cmd) (runner.Result, error) {
		if cmd.Path == "/bin/false" {
			return runner.Result{ExitCode: 1, Stderr: []byte("nope\n")}, &runner.ExitError{Cmd: cmd.Path, Code: 1, Stderr: "nope"}
		}
		return runner.Result{Stdout: []byte(" ?column? \n----------\n 1\n")}, nil
	})
	a := withFunc(testAgent(), "start", func(ctx context.Context, req *Request) error {
		_, _ = req.Run.Run(ctx, runner.Cmd{Path: "/usr/bin/psql", Args: []string{"-c", "select 1"},
			Env: []string{"PGPASSWORD=s3cret-pw"}})
		_, _ = req.Run.Run(ctx, runner.Cmd{Path: "/bin/false"})
		return nil
	})
	const tag = "dummy(res:1)[4242]: DEBUG: "
	wantLines := []string{
		tag + "start (timeout 20s, deadline in 18s)",
		tag + "running /usr/bin/psql -c select 1",
		tag + "/usr/bin/psql exited with status 0 after ",
		tag + `/usr/bin/psql stdout: " ?column? \n----------\n 1\n"`,
		tag + "running /bin/false",
		tag + "/bin/false failed after ",
		tag + `/bin/false stderr: "nope\n"`,
		tag + "start finished with OCF_SUCCESS (rc 0) after ",
	}
	r := dispatch(t, a, validEnv("HA_debug=1", "OCF_RESKEY_CRM_meta_timeout=20000"), fake, "start")
	if r.rc != Success {
		t.Fatalf("rc %s, stderr:\n%s", r.rc, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if len(lines) != len(wantLines) {
		t.Fatalf("stderr:\n%s\nwant %d lines like\n%s", r.stderr, len(wantLines), strings.Join(wantLines, "\n"))
	}
	for n, want := range wantLines {
		if !strings.HasPrefix(lines[n], want) {
			t.Errorf("line %d %q, want it to start with %q", n, lines[n], want)
		}
	}
	if !strings.HasSuffix(lines[5], ": /bin/false exited with status 1: nope") {
		t.Errorf("line %q does not say why the command failed", lines[5])
	}
	if strings.Contains(r.stderr, "s3cret") {
		t.Errorf("the log shows the command's environment:\n%s", r.stderr)
	}

	t.Run("not debugging", func(t *testing.T) {
		r := dispatch(t, a, validEnv(), fake, "start")
		if r.rc != Success || r.stderr != "" {
			t.Errorf("rc %s stderr %q, want success and nothing", r.rc, r.stderr)
		}
	})
}
