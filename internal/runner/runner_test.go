package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

func sh(script string) Cmd { return Cmd{Path: "/bin/sh", Args: []string{"-c", script}} }

func TestExecResults(t *testing.T) {
	tests := []struct {
		name    string
		cmd     Cmd
		code    int
		stdout  string
		stderr  string
		wantErr string // "" = success; else the *ExitError's text
	}{
		{"success", Cmd{Path: "/bin/true"}, 0, "", "", ""},
		{"output", sh("echo out; echo err >&2"), 0, "out\n", "err\n", ""},
		{"exit 1, silent", Cmd{Path: "/bin/false"}, 1, "", "", "/bin/false exited with status 1"},
		{"exit 3", sh("echo partial; echo 'pg_ctl: could not start server' >&2; exit 3"), 3, "partial\n",
			"pg_ctl: could not start server\n", "/bin/sh exited with status 3: pg_ctl: could not start server"},
		{"last line of stderr", sh("printf 'first\\nsecond\\nlast one\\n\\n\\n' >&2; exit 4"), 4, "",
			"first\nsecond\nlast one\n\n\n", "/bin/sh exited with status 4: last one"},
		{"exit 255", sh("exit 255"), 255, "", "", "/bin/sh exited with status 255"},
		{"binary output", sh("printf 'a\\000b'"), 0, "a\x00b", "", ""},
		{"stdin", Cmd{Path: "/bin/cat", Stdin: strings.NewReader("from stdin\n")}, 0, "from stdin\n", "", ""},
		{"no stdin", Cmd{Path: "/bin/cat"}, 0, "", "", ""},
		{"killed by a signal", sh("echo dying >&2; kill -TERM $$"), -1, "", "dying\n", "/bin/sh was killed by signal terminated: dying"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Exec{}.Run(context.Background(), tt.cmd)
			if res.ExitCode != tt.code || string(res.Stdout) != tt.stdout || string(res.Stderr) != tt.stderr {
				t.Errorf("result code %d stdout %q stderr %q; want %d %q %q", res.ExitCode, res.Stdout, res.Stderr, tt.code, tt.stdout, tt.stderr)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("error %v, want none", err)
				}
				return
			}
			var exit *ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("error %v (%T), want an *ExitError", err, err)
			}
			if exit.Error() != tt.wantErr {
				t.Errorf("error %q, want %q", exit.Error(), tt.wantErr)
			}
			if exit.Code != tt.code || exit.Stderr != tt.stderr || exit.Cmd != tt.cmd.Path {
				t.Errorf("ExitError %+v, want code %d, stderr %q, cmd %s", exit, tt.code, tt.stderr, tt.cmd.Path)
			}
		})
	}
}

func TestExitErrorText(t *testing.T) {
	tests := []struct {
		err  ExitError
		want string
	}{
		{ExitError{Cmd: "/usr/sbin/drbdadm", Code: 17}, "/usr/sbin/drbdadm exited with status 17"},
		{ExitError{Cmd: "drbdadm", Code: 17, Stderr: "  \n\t"}, "drbdadm exited with status 17"},
		{ExitError{Cmd: "psql", Code: 2, Stderr: "psql: error: connection refused\n"}, "psql exited with status 2: psql: error: connection refused"},
		{ExitError{Cmd: "psql", Code: 2, Stderr: "line 1\nline 2\r\n"}, "psql exited with status 2: line 2"},
		{ExitError{Cmd: "pg_ctl", Code: -1, Signal: syscall.SIGKILL}, "pg_ctl was killed by signal killed"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestExecStartFailure(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "script")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing"), notExec, dir} {
		res, err := Exec{}.Run(context.Background(), Cmd{Path: path})
		var exit *ExitError
		if err == nil || errors.As(err, &exit) {
			t.Errorf("%s: error %v, want a failure to start", path, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "run "+path+": ") || res.ExitCode != -1 {
			t.Errorf("%s: error %q exit code %d, want it to name the command and -1", path, err, res.ExitCode)
		}
	}
}

func TestExecDirAndEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("QVD_RUNNER_INHERITED", "inherited")
	t.Setenv("QVD_RUNNER_OVERRIDDEN", "old")
	tests := []struct {
		name string
		cmd  Cmd
		want string
	}{
		{"inherits the environment", sh(`echo "$QVD_RUNNER_INHERITED $QVD_RUNNER_OVERRIDDEN"`), "inherited old\n"},
		{"adds to it", Cmd{Path: "/bin/sh", Args: []string{"-c", `echo "$QVD_RUNNER_INHERITED $QVD_RUNNER_ADDED $PGPASSWORD"`},
			Env: []string{"QVD_RUNNER_ADDED=added", "PGPASSWORD=pw"}}, "inherited added pw\n"},
		{"overrides", Cmd{Path: "/bin/sh", Args: []string{"-c", `echo "$QVD_RUNNER_OVERRIDDEN"`},
			Env: []string{"QVD_RUNNER_OVERRIDDEN=new"}}, "new\n"},
		{"keeps PATH", Cmd{Path: "/bin/sh", Args: []string{"-c", `command -v ls`}, Env: []string{"X=1"}}, "/usr/bin/ls\n"},
		{"directory", Cmd{Path: "/bin/sh", Args: []string{"-c", "pwd -P"}, Dir: dir}, mustEval(t, dir) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Exec{}.Run(context.Background(), tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Stdout) != tt.want {
				t.Errorf("stdout %q, want %q", res.Stdout, tt.want)
			}
		})
	}
	if os.Getenv("QVD_RUNNER_ADDED") != "" || os.Getenv("QVD_RUNNER_OVERRIDDEN") != "old" {
		t.Error("Cmd.Env changed the agent's own environment")
	}
}

func TestExecStdoutWriter(t *testing.T) {
	var w strings.Builder
	res, err := Exec{}.Run(context.Background(), Cmd{Path: "/bin/sh", Args: []string{"-c", "echo to-writer; echo err >&2; exit 3"}, Stdout: &w})
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Code != 3 {
		t.Fatalf("error %v, want exit status 3", err)
	}
	if w.String() != "to-writer\n" || len(res.Stdout) != 0 || string(res.Stderr) != "err\n" {
		t.Errorf("writer %q, Result.Stdout %q, stderr %q; want the output in the writer only", w.String(), res.Stdout, res.Stderr)
	}
}

func mustEval(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sysPidfdOpen is pidfd_open(2), the same number on every architecture.
const sysPidfdOpen = 434

// waitGone waits until process pid has exited (a zombie counts), or fails
// the test after timeout. It uses a pidfd, which becomes readable when the
// process exits: no polling.
func waitGone(t *testing.T, pid int, timeout time.Duration) {
	t.Helper()
	fd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	if errno == syscall.ESRCH {
		return // already exited and reaped
	}
	if errno != 0 {
		t.Fatalf("pidfd_open(%d): %v", pid, errno)
	}
	defer syscall.Close(int(fd))
	pfd := struct {
		fd      int32
		events  int16
		revents int16
	}{fd: int32(fd), events: 0x1} // POLLIN
	end := time.Now().Add(timeout)
	for {
		left := time.Until(end)
		if left <= 0 {
			t.Fatalf("process %d still runs %s after the deadline", pid, timeout)
		}
		ts := syscall.NsecToTimespec(left.Nanoseconds())
		n, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno != 0:
			t.Fatalf("ppoll: %v", errno)
		case n == 1:
			return
		}
	}
}

// readPids reads the process IDs a test script wrote to file.
func readPids(t *testing.T, file string) []int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("%s: %q", file, b)
		}
		pids = append(pids, pid)
	}
	return pids
}

func TestExecDeadlineKillsProcessGroup(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	// The shell, a background grandchild and a foreground child, all of
	// which would run for 100 s; the grandchild also holds stdout open.
	cmd := sh(`sleep 100 & echo $! > "$1"; echo $$ >> "$1"; sleep 100`)
	cmd.Args = append(cmd.Args, "sh", pidfile)

	const deadline = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	res, err := Exec{}.Run(ctx, cmd)
	elapsed := time.Since(start)

	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "/bin/sh did not finish in time") {
		t.Errorf("error %v, want a deadline error naming the command", err)
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		t.Errorf("a deadline is not an exit status: %v", err)
	}
	if res.ExitCode != -1 {
		t.Errorf("exit code %d, want -1 (killed)", res.ExitCode)
	}
	// Promptly: not after the sleeps, and not much after the deadline.
	if elapsed > deadline+2*time.Second {
		t.Errorf("Run returned after %s, deadline %s", elapsed, deadline)
	}
	pids := readPids(t, pidfile)
	if len(pids) != 2 {
		t.Fatalf("pids %v, want the grandchild's and the shell's", pids)
	}
	for _, pid := range pids {
		waitGone(t, pid, 5*time.Second)
	}
}

func TestExecCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pidfile := filepath.Join(t.TempDir(), "pids")
	done := make(chan error, 1)
	started := make(chan struct{})
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		cmd := sh(`sleep 100 & echo $! > "$1"; echo started > "$2"; wait`)
		cmd.Args = append(cmd.Args, "sh", pidfile, fifo)
		_, err := Exec{}.Run(ctx, cmd)
		done <- err
	}()
	go func() {
		// Opening the fifo for reading blocks until the script writes.
		f, err := os.Open(fifo)
		if err == nil {
			f.Close()
		}
		close(started)
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("the script ended early: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the script did not start")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	for _, pid := range readPids(t, pidfile) {
		waitGone(t, pid, 5*time.Second)
	}
}

func TestExecContextAlreadyDone(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Exec{}.Run(ctx, Cmd{Path: "/usr/bin/touch", Args: []string{marker}})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "/usr/bin/touch not started") {
		t.Errorf("error %v, want not started", err)
	}
	if res.ExitCode != -1 {
		t.Errorf("exit code %d, want -1", res.ExitCode)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("the command ran: %v", err)
	}
}

func TestCmdString(t *testing.T) {
	tests := []struct {
		cmd  Cmd
		want string
	}{
		{Cmd{Path: "/usr/sbin/crm_attribute", Args: []string{"-p", "-v", "10"}}, "/usr/sbin/crm_attribute -p -v 10"},
		{Cmd{Path: "/bin/true"}, "/bin/true"},
		{Cmd{Path: "psql", Env: []string{"PGPASSWORD=secret"}, Stdin: strings.NewReader("secret")}, "psql"},
	}
	for _, tt := range tests {
		if got := tt.cmd.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestFunc(t *testing.T) {
	var got Cmd
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "v")
	var r Runner = Func(func(c context.Context, cmd Cmd) (Result, error) {
		if c.Value(key{}) != "v" {
			t.Error("Func did not pass the context")
		}
		got = cmd
		return Result{Stdout: []byte("fake"), ExitCode: 3}, &ExitError{Cmd: cmd.Path, Code: 3}
	})
	res, err := r.Run(ctx, Cmd{Path: "x", Args: []string{"y"}})
	if got.Path != "x" || string(res.Stdout) != "fake" || res.ExitCode != 3 || err == nil || err.Error() != "x exited with status 3" {
		t.Errorf("Func: cmd %+v result %+v err %v", got, res, err)
	}
}

// A command that leaves a child behind holding its output open (a daemon
// that does not redirect stdout) must not keep the agent waiting for the
// child.
func TestExecLeftoverChildDoesNotBlock(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	cmd := sh(`sleep 100 & echo $! > "$1"`)
	cmd.Args = append(cmd.Args, "sh", pidfile)
	start := time.Now()
	res, err := Exec{}.Run(context.Background(), cmd)
	elapsed := time.Since(start)
	for _, pid := range readPids(t, pidfile) {
		t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	}
	if elapsed > 3*time.Second {
		t.Errorf("Run returned after %s", elapsed)
	}
	if res.ExitCode != 0 {
		t.Errorf("exit code %d, want the shell's 0 (err %v)", res.ExitCode, err)
	}
}
