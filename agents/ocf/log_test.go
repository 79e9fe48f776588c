package ocf

import (
	"bytes"
	"context"
	"fmt"
	"log/syslog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/runner"
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
		{"OCF_TRACE_RA=1", []string{"OCF_TRACE_RA=1"}, e + w + i + d},
		{"OCF_TRACE_RA=0", []string{"OCF_TRACE_RA=0"}, e + w + i},
		{"both", []string{"HA_debug=1", "OCF_TRACE_RA=1"}, e + w + i + d},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			logAll(newLogger("pgsql", "pg:0", 77, envFunc(tt.env...), &stderr))
			if stderr.String() != tt.want {
				t.Errorf("stderr\n%s\nwant\n%s", stderr.String(), tt.want)
			}
		})
	}
}

func TestLoggerFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		existing string // "" = no file yet
		env      []string
		want     string
	}{
		{"new file", "", nil,
			"pgsql(pg)[9]: 2024/05/06_07:08:09 ERROR: e 1\n" +
				"pgsql(pg)[9]: 2024/05/06_07:08:09 WARNING: w two\n" +
				"pgsql(pg)[9]: 2024/05/06_07:08:09 INFO: i 3.5\n"},
		{"appended, with debug", "earlier line\n", []string{"HA_debug=1"},
			"earlier line\n" +
				"pgsql(pg)[9]: 2024/05/06_07:08:09 ERROR: e 1\n" +
				"pgsql(pg)[9]: 2024/05/06_07:08:09 WARNING: w two\n" +
				"pgsql(pg)[9]: 2024/05/06_07:08:09 INFO: i 3.5\n" +
				"pgsql(pg)[9]: 2024/05/06_07:08:09 DEBUG: d \"four\"\n"},
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
			l := newLogger("pgsql", "pg", 9, envFunc(append(tt.env, "HA_LOGFILE="+file)...), &stderr)
			l.nowFunc = func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.Local) }
			logAll(l)
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("%s:\n%s\nwant\n%s", file, got, tt.want)
			}
			if !strings.Contains(stderr.String(), "pgsql(pg)[9]: INFO: i 3.5\n") {
				t.Errorf("with HA_LOGFILE, stderr lost the lines:\n%s", stderr.String())
			}
		})
	}
}

func TestLoggerUnwritableFile(t *testing.T) {
	var stderr bytes.Buffer
	file := filepath.Join(t.TempDir(), "no", "such", "dir", "ha.log")
	l := newLogger("a", "i", 1, envFunc("HA_LOGFILE="+file), &stderr)
	l.Errorf("still logged")
	if stderr.String() != "a(i)[1]: ERROR: still logged\n" {
		t.Errorf("stderr %q", stderr.String())
	}
}

func TestLoggerSystemSink(t *testing.T) {
	for _, env := range [][]string{nil, {"HA_LOGFACILITY=none"}, {"HA_LOGFACILITY=none", "PCMK_logfacility=none"}} {
		if l := newLogger("a", "i", 1, envFunc(env...), &bytes.Buffer{}); l.sink != nil {
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
		l := newLogger("a", "i", 1, envFunc(), &bytes.Buffer{})
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
	l := newLogger("a", "i", 1, envFunc("HA_LOGFILE="+file), &stderr)
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

func TestTracedRunner(t *testing.T) {
	fake := runner.Func(func(_ context.Context, cmd runner.Cmd) (runner.Result, error) {
		if cmd.Path == "/bin/false" {
			return runner.Result{ExitCode: 1}, &runner.ExitError{Cmd: cmd.Path, Code: 1, Stderr: "nope"}
		}
		return runner.Result{}, nil
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
		tag + "/usr/bin/psql finished in ",
		tag + "running /bin/false",
		tag + "/bin/false failed after ",
	}
	for _, env := range []string{"OCF_TRACE_RA=1", "HA_debug=1"} {
		t.Run(env, func(t *testing.T) {
			r := dispatch(t, a, validEnv(env, "OCF_RESKEY_CRM_meta_timeout=20000"), fake, "start")
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
			if !strings.HasSuffix(lines[4], ": /bin/false exited with status 1: nope") {
				t.Errorf("line %q does not say why the command failed", lines[4])
			}
			if strings.Contains(r.stderr, "s3cret") {
				t.Errorf("the trace shows the command's environment:\n%s", r.stderr)
			}
		})
	}
	t.Run("not traced", func(t *testing.T) {
		r := dispatch(t, a, validEnv(), fake, "start")
		if r.rc != Success || r.stderr != "" {
			t.Errorf("rc %s stderr %q, want success and nothing", r.rc, r.stderr)
		}
	})
}
