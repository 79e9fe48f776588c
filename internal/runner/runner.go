// Package runner runs the external commands the agents depend on (pg_ctl,
// crm_attribute, drbdadm, cibadmin, ...) under a context deadline.
//
// Every call goes through a Runner so that tests can substitute a fake and so
// that no command can outlive the action that started it: a hung drbdadm or
// pg_ctl must turn into an error with a reason before Pacemaker's own timeout
// kills the agent without one.
package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Cmd describes one command. Secrets never belong in Args: pass them through
// Stdin or Env, which are not visible in /proc/<pid>/cmdline to other users.
type Cmd struct {
	Path  string
	Args  []string
	Env   []string // added to the agent's own environment
	Dir   string
	Stdin io.Reader
	// Stdout, when set, receives the command's standard output instead of
	// Result.Stdout: a database dump must not be held in memory.
	Stdout io.Writer
	// Credential, when set, runs the command as another user (for example
	// pg_ctl as the PostgreSQL owner) without going through su.
	Credential *syscall.Credential
}

func (c Cmd) String() string {
	return strings.TrimSpace(c.Path + " " + strings.Join(c.Args, " "))
}

// Result is what a finished command printed and how it exited.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// ExitError is returned when a command ran but exited non-zero or was
// killed by a signal.
type ExitError struct {
	Cmd    string
	Code   int
	Stderr string
	// Signal is what killed the command (Code is then -1), 0 if it exited.
	Signal syscall.Signal
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("%s exited with status %d", e.Cmd, e.Code)
	if e.Signal != 0 {
		msg = fmt.Sprintf("%s was killed by signal %s", e.Cmd, e.Signal)
	}
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + lastLine(s)
	}
	return msg
}

// Runner runs a command and waits for it, honouring ctx's deadline.
type Runner interface {
	Run(ctx context.Context, cmd Cmd) (Result, error)
}

// Func adapts a function to a Runner; tests use it to fake commands.
type Func func(ctx context.Context, cmd Cmd) (Result, error)

// Run calls f.
func (f Func) Run(ctx context.Context, cmd Cmd) (Result, error) { return f(ctx, cmd) }

// Exec runs real processes. The command gets its own process group so that a
// deadline kills everything it spawned, not only the direct child.
type Exec struct{}

// Run starts cmd and waits for it or for ctx to end.
func (Exec) Run(ctx context.Context, c Cmd) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{ExitCode: -1}, fmt.Errorf("%s not started: %w", c.Path, err)
	}
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Dir = c.Dir
	cmd.Stdin = c.Stdin
	if len(c.Env) > 0 {
		cmd.Env = append(cmd.Environ(), c.Env...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.Credential}
	cmd.Cancel = func() error {
		// Negative pid: the whole process group.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	// A grandchild that keeps stdout open must not keep us waiting.
	cmd.WaitDelay = 500 * time.Millisecond
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	if c.Stdout != nil {
		cmd.Stdout = c.Stdout
	}
	cmd.Stderr = &stderr

	err := cmd.Run()
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), ExitCode: -1}
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	if ctxErr := ctx.Err(); ctxErr != nil && err != nil {
		return res, fmt.Errorf("%s did not finish in time: %w", c.Path, ctxErr)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		e := &ExitError{Cmd: c.Path, Code: res.ExitCode, Stderr: stderr.String()}
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			e.Signal = ws.Signal()
		}
		return res, e
	}
	if err != nil {
		return res, fmt.Errorf("run %s: %w", c.Path, err)
	}
	return res, nil
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// As is the Credential that runs a command as u, with u's groups, as su
// would but without a child process.
func As(u *user.User) *syscall.Credential {
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if gids, err := u.GroupIds(); err == nil {
		for _, g := range gids {
			if n, err := strconv.ParseUint(g, 10, 32); err == nil {
				cred.Groups = append(cred.Groups, uint32(n))
			}
		}
	}
	return cred
}
