package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// pollInterval paces the waits for the server to come up or go away.
const pollInterval = 100 * time.Millisecond

// instance is the PostgreSQL instance a request is about.
type instance struct {
	settings
	req      *ocf.Request
	log      *ocf.Logger
	dir      string     // pgdata, symlinks resolved when it exists
	dbaUser  *user.User // see owner
	deadline time.Time
	total    time.Duration // from the start of the action to deadline
}

func newInstance(ctx context.Context, req *ocf.Request, cfg settings) *instance {
	in := &instance{settings: cfg, req: req, log: req.Log, dir: cfg.pgdata}
	if real, err := filepath.EvalSymlinks(in.dir); err == nil {
		in.dir = real
	}
	in.deadline, _ = ctx.Deadline()
	in.total = time.Until(in.deadline)
	return in
}

// budget is the time the action had, as said in reasons.
func (in *instance) budget() string {
	return in.total.Round(100 * time.Millisecond).String()
}

func monitor(ctx context.Context, req *ocf.Request, cfg settings) error {
	in := newInstance(ctx, req, cfg)
	pm, err := in.postmaster()
	if err != nil {
		return err
	}
	if pm == nil {
		return ocf.Result(ocf.NotRunning)
	}
	return in.checkServer(ctx, pm)
}

// postmaster returns the running postmaster of this data directory, or nil
// when it is cleanly stopped. When postmaster.pid is stale (a crash) it
// returns the stale file's content with a NotRunning result that says why. A
// data directory absent on this node (its filesystem is mounted on the other
// node) means not running here.
func (in *instance) postmaster() (*pidFile, error) {
	if _, err := os.Stat(in.dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	pm, err := readPidFile(filepath.Join(in.dir, "postmaster.pid"))
	if err != nil || pm == nil {
		return nil, err
	}
	p := readProc(pm.PID)
	switch {
	case p == nil:
		return pm, ocf.Fail(ocf.NotRunning, "PostgreSQL crashed: postmaster.pid names PID %d, which is not running", pm.PID)
	case !p.isServerOf(in.dir):
		return pm, ocf.Fail(ocf.NotRunning, "PostgreSQL crashed: postmaster.pid names PID %d, which is %s, not the postmaster of %s", pm.PID, describe(p), in.dir)
	}
	return pm, nil
}

func describe(p *proc) string {
	if p.Exe == "" {
		return "another process"
	}
	return filepath.Base(p.Exe) + " in " + p.Cwd
}

func start(ctx context.Context, req *ocf.Request, cfg settings) error {
	in := newInstance(ctx, req, cfg)
	if err := in.checkConfiguration(true); err != nil {
		return err
	}
	pm, err := in.postmaster()
	switch rc := resultCode(err); {
	case rc == ocf.NotRunning:
		if err := in.cleanUpCrash(ctx, pm); err != nil {
			return err
		}
	case err != nil:
		return err
	case pm != nil:
		in.log.Infof("PostgreSQL is already running (PID %d)", pm.PID)
		return in.waitReady(ctx)
	}
	if err := in.pgCtlStart(ctx); err != nil {
		return err
	}
	return in.waitReady(ctx)
}

// cleanUpCrash removes what a crashed instance left behind and PostgreSQL
// would take for a running server: orphaned backends (they hold the shared
// memory), and postmaster.pid and the socket lock file when they name a PID
// that is dead, a zombie not yet reaped, or now an unrelated process.
func (in *instance) cleanUpCrash(ctx context.Context, stale *pidFile) error {
	if err := in.killAll(ctx, "orphaned backend"); err != nil {
		return err
	}
	files := []string{filepath.Join(in.dir, "postmaster.pid")}
	if stale.SocketDir != "" && stale.Port != 0 {
		files = append(files, filepath.Join(stale.SocketDir, fmt.Sprintf(".s.PGSQL.%d.lock", stale.Port)))
	}
	for _, f := range files {
		if lock, err := readPidFile(f); err != nil || lock == nil || lock.PID != stale.PID {
			continue
		}
		in.log.Warnf("removing %s of crashed postmaster %d", f, stale.PID)
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale %s: %w", f, err)
		}
	}
	return nil
}

func (in *instance) pgCtlStart(ctx context.Context) error {
	cred, err := in.credential()
	if err != nil {
		return err
	}
	opts := []string{"-p", strconv.Itoa(in.port)}
	if in.configFile != "" {
		opts = append(opts, "-c", "config_file="+in.configFile)
	}
	if in.socketDir != "" {
		opts = append(opts, "-k", in.socketDir)
	}
	if in.startOpt != "" {
		opts = append(opts, in.startOpt)
	}
	// pg_ctl -w notices a postmaster that exits during start-up at once;
	// its own timeout stays inside ours.
	wait := max(int(time.Until(in.deadline).Seconds())-1, 1)
	args := []string{"start", "-w", "-t", strconv.Itoa(wait), "-D", in.dir, "-l", in.logfile, "-o", strings.Join(opts, " ")}
	args = append(args, in.ctlOpt...)
	in.log.Infof("starting PostgreSQL on %s", in.dir)
	if _, err := in.req.Run.Run(ctx, runner.Cmd{Path: in.pgctl, Args: args, Dir: "/", Credential: cred}); err != nil {
		msg := fmt.Sprintf("PostgreSQL did not start: %v", err)
		if tail := logTail(in.logfile); tail != "" {
			msg += "; server log: " + tail
		}
		return ocf.Fail(ocf.ErrGeneric, "%s", msg)
	}
	return nil
}

// waitReady polls until the write check passes, the postmaster dies or the
// deadline comes.
func (in *instance) waitReady(ctx context.Context) error {
	for {
		pm, err := in.postmaster()
		if err == nil && pm == nil {
			err = ocf.Fail(ocf.ErrGeneric, "PostgreSQL stopped during start-up")
		}
		if err == nil {
			if err = in.checkServer(ctx, pm); err == nil {
				in.log.Infof("PostgreSQL is running (PID %d) and its write check passed", pm.PID)
				return nil
			}
		}
		// Only a server still coming up deserves another try.
		if resultCode(err) != ocf.ErrGeneric || pm == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pollInterval):
		}
	}
}

// resultCode is the exit code err stands for.
func resultCode(err error) ocf.RC {
	var r *ocf.Error
	switch {
	case err == nil:
		return ocf.Success
	case errors.As(err, &r):
		return r.RC
	}
	return ocf.ErrGeneric
}

// logTail returns the last non-empty line of the server's start-up log.
func logTail(path string) string {
	if path == "" || path == "/dev/null" {
		return ""
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func stop(ctx context.Context, req *ocf.Request, cfg settings) error {
	in := newInstance(ctx, req, cfg)
	pm, err := in.postmaster()
	if rc := resultCode(err); rc != ocf.Success && rc != ocf.NotRunning {
		return err
	}
	if err == nil && pm != nil {
		in.shutDown(ctx, pm.PID)
	}
	// Whatever is left (backends of a killed postmaster, or of a crash
	// before this stop) blocks the next start on this node.
	return in.killAll(ctx, "server process")
}

// shutDown asks the postmaster to stop, escalating from a fast shutdown to
// an immediate one and then to SIGKILL, within stop_escalate and the
// operation's deadline.
func (in *instance) shutDown(ctx context.Context, pid int) {
	total := time.Until(in.deadline)
	fast := min(in.stopEscalate, total*6/10)
	immediate := total * 2 / 10
	steps := []struct {
		sig  syscall.Signal
		name string
		wait time.Duration
	}{
		{syscall.SIGINT, "fast shutdown", fast},
		{syscall.SIGQUIT, "immediate shutdown", immediate},
		{syscall.SIGKILL, "SIGKILL", 0},
	}
	for _, s := range steps {
		in.log.Infof("stopping PostgreSQL (PID %d): %s", pid, s.name)
		if err := syscall.Kill(pid, s.sig); err != nil {
			return // already gone
		}
		if waitGone(ctx, s.wait, func() bool { return readProc(pid) == nil }) {
			return
		}
		in.log.Warnf("PostgreSQL (PID %d) did not stop within %s of %s", pid, s.wait.Round(time.Second/10), s.name)
	}
}

// killAll kills every process of this instance and waits until they are
// gone.
func (in *instance) killAll(ctx context.Context, what string) error {
	for {
		procs, err := serverProcesses(in.dir)
		if err != nil {
			return err
		}
		if len(procs) == 0 {
			return nil
		}
		for _, p := range procs {
			in.log.Warnf("killing %s %d of %s", what, p.PID, in.dir)
			_ = syscall.Kill(p.PID, syscall.SIGKILL)
		}
		select {
		case <-ctx.Done():
			return ocf.Fail(ocf.ErrGeneric, "%d PostgreSQL processes of %s survived SIGKILL (in D state?)", len(procs), in.dir)
		case <-time.After(pollInterval):
		}
	}
}

// waitGone polls gone until it is true, wait passes or ctx ends.
func waitGone(ctx context.Context, wait time.Duration, gone func() bool) bool {
	limit := time.After(wait)
	for {
		if gone() {
			return true
		}
		select {
		case <-ctx.Done():
			return gone()
		case <-limit:
			return gone()
		case <-time.After(pollInterval / 2):
		}
	}
}

func validate(ctx context.Context, req *ocf.Request, cfg settings) error {
	in := newInstance(ctx, req, cfg)
	if err := in.checkConfiguration(false); err != nil {
		return err
	}
	// Settings that only the server can judge (pgdb, the monitor user's
	// credentials) are checked where it runs. Elsewhere validate-all cannot
	// know them and passes: the start that follows checks them.
	pm, err := in.postmaster()
	switch {
	case resultCode(err) == ocf.NotRunning, err == nil && pm == nil:
		return nil
	case err != nil:
		return err
	}
	conn, err := in.connect(ctx, pm)
	if err != nil {
		return err
	}
	closeConn(conn)
	return nil
}

// checkInstalled checks what this node must have: pg_ctl and the user.
// checkConfiguration runs the checks start and validate-all share, in the
// order that reports a cluster-wide configuration error (6) before a
// problem of this node (5). starting: the data directory must exist here,
// where validate-all accepts a node whose filesystem is not mounted.
func (in *instance) checkConfiguration(starting bool) error {
	if err := in.checkReplication(); err != nil {
		return err
	}
	if err := in.checkMonitorDatabase(); err != nil {
		return err
	}
	if err := in.checkInstalled(); err != nil {
		return err
	}
	return in.checkDataDir(starting)
}

func (in *instance) checkInstalled() error {
	fi, err := os.Stat(in.pgctl)
	if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return ocf.Fail(ocf.ErrInstalled, "pgctl %s is not an executable on this node", in.pgctl)
	}
	_, err = in.owner()
	return err
}

// checkDataDir checks pgdata when it is there. Absent or empty it is not an
// error for validate-all (it lives on storage mounted on one node at a time),
// but start cannot proceed: that is a soft failure here, not a ban.
func (in *instance) checkDataDir(starting bool) error {
	fi, err := os.Stat(in.dir)
	if err != nil {
		if starting {
			return ocf.Fail(ocf.ErrGeneric, "pgdata %s does not exist on this node (is its filesystem mounted?)", in.dir)
		}
		return nil
	}
	if !fi.IsDir() {
		return ocf.Fail(ocf.ErrConfigured, "pgdata %s is not a directory", in.dir)
	}
	if _, err := os.Stat(filepath.Join(in.dir, "PG_VERSION")); err != nil {
		if starting {
			return ocf.Fail(ocf.ErrGeneric, "pgdata %s is not a PostgreSQL data directory (no PG_VERSION; is its filesystem mounted?)", in.dir)
		}
		return nil
	}
	u, err := in.owner()
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if ok && strconv.Itoa(int(st.Uid)) != u.Uid {
		return ocf.Fail(ocf.ErrPerm, "pgdata %s is owned by uid %d, not by pgdba %s", in.dir, st.Uid, in.dba)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 && perm != 0o750 {
		return ocf.Fail(ocf.ErrPerm, "pgdata %s has mode %04o; PostgreSQL requires 0700 or 0750", in.dir, perm)
	}
	return nil
}

// owner is pgdba's account, looked up once per action.
func (in *instance) owner() (*user.User, error) {
	if in.dbaUser == nil {
		u, err := user.Lookup(in.dba)
		if err != nil {
			return nil, ocf.Fail(ocf.ErrInstalled, "pgdba %s is not a user on this node", in.dba)
		}
		in.dbaUser = u
	}
	return in.dbaUser, nil
}

// credential runs commands as pgdba, with its groups, without su.
func (in *instance) credential() (*syscall.Credential, error) {
	u, err := in.owner()
	if err != nil {
		return nil, err
	}
	return runner.As(u), nil
}
