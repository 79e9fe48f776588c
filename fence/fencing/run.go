package fencing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Exit codes of the fence-agents API. fence-agents' EC_* codes (login
// denied, timed out, ...) only choose its message: fencing.py's fail() exits
// 1 for all of them, as fence_virsh and fence_xenapi do, so 1 is every
// failure here too.
const (
	ExitSuccess = 0
	ExitFailure = 1
	// ExitOff is status's answer for a plug that is off.
	ExitOff = 2
)

// Actions, in the order meta-data lists them.
var actions = []string{"on", "off", "reboot", "status", "list", "list-status", "monitor", "metadata", "manpage", "validate-all"}

// stdinWait bounds the wait for the fencer's options on stdin: it writes
// them at once and closes the pipe, so a long wait means nobody will.
const stdinWait = 10 * time.Second

// Env is everything a run reads from or writes to the outside, so that the
// whole protocol can be exercised in-process.
type Env struct {
	Args   []string // without the program name
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Runner runner.Runner // runs password_script
	Clock  Clock
	// Syslog opens the system log, where quiet sends what would have gone
	// to stderr, as fence-agents does; nil drops those lines.
	Syslog func() (io.Writer, error)
}

// Main runs the agent on the process's real environment and exits.
func Main(a Agent) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := a.Run(ctx, Env{
		Args:   os.Args[1:],
		Getenv: os.Getenv,
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Runner: runner.Exec{},
		Clock:  realClock{},
		Syslog: func() (io.Writer, error) {
			return syslog.New(syslog.LOG_DAEMON|syslog.LOG_WARNING, a.Name)
		},
	})
	stop()
	os.Exit(code)
}

// run is the state of one invocation.
type run struct {
	agent *Agent
	env   Env
	opts  *Options
	lim   limits
	// level is the verbose level; debug output goes to stderr when it is
	// above 0 and quiet is not set, and to debugFile at every level.
	level     int
	quiet     bool
	syslog    io.Writer // opened on first use under quiet
	debugFile *os.File
}

// Run performs one action and returns the exit code.
func (a *Agent) Run(ctx context.Context, env Env) (code int) {
	if env.Clock == nil {
		env.Clock = realClock{}
	}
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Runner == nil {
		env.Runner = runner.Exec{}
	}
	r := &run{agent: a, env: env}
	// A fencer reads our last line; a stack trace helps nobody there.
	defer func() {
		if p := recover(); p != nil {
			code = r.fail(fmt.Errorf("internal error: %v", p))
		}
	}()
	if err := r.parse(ctx); err != nil {
		return r.fail(err)
	}
	if r.debugFile != nil {
		defer r.debugFile.Close()
	}
	if r.opts.Bool("help") {
		r.usage()
		return ExitSuccess
	}
	action := r.opts.String("action")
	switch action {
	case "metadata", "meta-data":
		return r.written(a.WriteMetadata(env.Stdout))
	case "manpage":
		return r.written(a.WriteManPage(env.Stdout))
	}
	if r.opts.Bool(versionOpt.Name) {
		fmt.Fprintln(env.Stdout, a.Version)
		return ExitSuccess
	}
	if !slices.Contains(actions, action) {
		return r.fail(fmt.Errorf("unknown action %q (one of %s)", action, strings.Join(actions, ", ")))
	}
	if err := r.check(action); err != nil {
		return r.fail(err)
	}
	r.reportIgnored(action == "validate-all")
	if action == "validate-all" {
		return ExitSuccess
	}
	r.lim = r.limits(action)
	ctx, cancel := context.WithTimeout(ctx, r.lim.total)
	defer cancel()
	r.debugf("action %s: %s (deadline %s, step timeouts %s)", action, r.opts.redacted(), r.lim.total, r.lim.describe())
	return r.act(ctx, action)
}

// parse reads argv, or stdin when argv has no options, and opens the debug
// output the options ask for.
func (r *run) parse(ctx context.Context) error {
	r.opts = newOptions(r.agent.options())
	var warn warnings
	var err error
	if len(r.env.Args) > 0 {
		err = r.opts.parseArgs(r.env.Args, &warn)
	} else if r.env.Stdin != nil {
		var in []byte
		if in, err = readAll(ctx, r.env.Stdin); err == nil {
			err = r.opts.parseStdin(bytes.NewReader(in), &warn)
		}
	}
	// quiet is read first so that it silences the warnings about its
	// own command line too.
	r.quiet = r.opts.Bool(quietOpt.Name)
	for _, w := range warn {
		r.warnf("%s", w)
	}
	if err != nil {
		return err
	}
	if err := r.opts.validate(); err != nil {
		return err
	}
	if path := r.opts.String("debug_file"); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("open debug_file: %w", err)
		}
		r.debugFile = f
	}
	r.level = r.verboseLevel()
	return nil
}

// verboseLevel follows fencing.py: verbose_level if given, else the number
// of -v flags, else 1 for verbose=1; verbose_level=0 overrides verbose.
func (r *run) verboseLevel() int {
	o := r.opts
	switch {
	case o.IsSet(verboseLevelOpt.Name):
		if o.Int(verboseLevelOpt.Name) == 0 && o.Bool(verboseOpt.Name) {
			r.warnf("ignoring verbose because verbose_level=0")
		}
		return max(0, o.Int(verboseLevelOpt.Name))
	case o.verboseFlags > 0:
		return o.verboseFlags
	case o.Bool(verboseOpt.Name):
		return 1
	}
	return 0
}

// reportIgnored names the options that were set but mean nothing here:
// on stderr for validate-all, which an administrator runs to check a
// configuration, and in debug output for every other action, so that the
// fencer's periodic monitor does not repeat it.
func (r *run) reportIgnored(loud bool) {
	for _, d := range r.opts.decls {
		if d.Ignored == "" || !r.opts.IsSet(d.Name) {
			continue
		}
		if loud {
			r.warnf("option %s is accepted and ignored: %s", d.Name, d.Ignored)
		} else {
			r.debugf("option %s is accepted and ignored: %s", d.Name, d.Ignored)
		}
	}
}

// readAll reads stdin without trusting it to ever reach EOF.
func readAll(ctx context.Context, rd io.Reader) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(rd, 1<<20))
		ch <- result{b, err}
	}()
	t := time.NewTimer(stdinWait)
	defer t.Stop()
	select {
	case res := <-ch:
		if res.err != nil {
			return nil, fmt.Errorf("read options from stdin: %w", res.err)
		}
		return res.b, nil
	case <-t.C:
		return nil, fmt.Errorf("no options on the command line and stdin not closed within %s", stdinWait)
	case <-ctx.Done():
		return nil, fmt.Errorf("read options from stdin: %w", ctx.Err())
	}
}

// check validates what an action needs, without contacting the device.
func (r *run) check(action string) error {
	var errs []error
	needsPlug := slices.Contains([]string{"on", "off", "reboot", "status"}, action)
	for _, name := range []string{retryOnOpt.Name, verboseLevelOpt.Name} {
		if r.opts.Int(name) < 0 {
			errs = append(errs, fmt.Errorf("option %s must not be negative", name))
		}
	}
	for _, d := range r.opts.decls {
		if !d.Required || d.Name == actionOpt.Name || r.opts.String(d.Name) != "" {
			continue
		}
		if d.Name == Plug.Name && (!needsPlug || r.opts.NodeName() != "") {
			continue
		}
		errs = append(errs, fmt.Errorf("option %s (%s) is required", d.Name, d.getopt()))
	}
	if r.agent.Validate != nil {
		if err := r.agent.Validate(r.opts); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// plugs are the targets: the plug option split at plug_separator, else
// the node Pacemaker names.
func (r *run) plugs() []string {
	p := ""
	if r.agent.hasPlug() {
		p = r.opts.String(Plug.Name)
	}
	if p == "" {
		return []string{r.opts.NodeName()}
	}
	sep := r.opts.String(plugSeparatorOpt.Name)
	if sep == "" {
		return []string{p}
	}
	var out []string
	for _, f := range strings.Split(p, sep) {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func (r *run) act(ctx context.Context, action string) int {
	if action == "off" || action == "reboot" {
		if d := r.opts.Duration("delay"); d > 0 {
			r.debugf("delay %s before fencing", d)
			if err := r.env.Clock.Sleep(ctx, d); err != nil {
				return r.fail(fmt.Errorf("interrupted during delay: %w", err))
			}
		}
	}
	if err := r.resolvePassword(ctx); err != nil {
		return r.fail(err)
	}
	dev, err := r.connect(ctx)
	if err != nil {
		return r.fail(err)
	}
	defer dev.Close()

	switch action {
	case "list", "list-status":
		return r.list(ctx, dev, action == "list-status")
	case "monitor":
		sctx, cancel := r.step(ctx, r.lim.shell)
		defer cancel()
		if err := dev.Monitor(sctx); err != nil {
			return r.fail(fmt.Errorf("monitor: %w", err))
		}
		return ExitSuccess
	}

	plugs := r.plugs()
	if len(plugs) == 0 {
		return r.fail(fmt.Errorf("plug %q names no plug", r.opts.String(Plug.Name)))
	}
	states := map[string]State{}
	for _, p := range plugs {
		st, err := r.status(ctx, dev, p, r.opts.Bool("missing_as_off"))
		if err != nil {
			return r.fail(err)
		}
		states[p] = st
	}
	// Several plugs are ON when any is, as in fencing.py: a node is fenced
	// only when every plug is off.
	st := Off
	for _, p := range plugs {
		if states[p] == On {
			st = On
		}
	}
	switch action {
	case "status":
		fmt.Fprintf(r.env.Stdout, "Status: %s\n", st)
		if st == Off {
			return ExitOff
		}
		return ExitSuccess
	case "on", "off":
		want := On
		if action == "off" {
			want = Off
		}
		pending := notIn(plugs, states, want)
		if len(pending) == 0 {
			fmt.Fprintf(r.env.Stdout, "Success: Already %s\n", want)
			return ExitSuccess
		}
		attempts := 1
		if want == On {
			attempts = r.attemptsOn()
		}
		if err := r.setPower(ctx, dev, pending, want, attempts); err != nil {
			return r.fail(err)
		}
		fmt.Fprintf(r.env.Stdout, "Success: Powered %s\n", want)
		return ExitSuccess
	default: // reboot
		if pending := notIn(plugs, states, Off); len(pending) > 0 {
			if err := r.setPower(ctx, dev, pending, Off, 1); err != nil {
				return r.fail(err)
			}
		}
		// The node is fenced once it is off: a failed power-on is reported
		// but does not fail the reboot. retry_on=0 leaves it off.
		if n := r.opts.Int(retryOnOpt.Name); n == 0 {
			r.warnf("fenced and left off: retry_on=0")
		} else if err := r.setPower(ctx, dev, plugs, On, n); err != nil {
			r.warnf("fenced, but not powered on again: %v", err)
		}
		fmt.Fprintln(r.env.Stdout, "Success: Rebooted")
		return ExitSuccess
	}
}

// notIn lists the plugs whose state is not want, in order.
func notIn(plugs []string, states map[string]State, want State) []string {
	var out []string
	for _, p := range plugs {
		if states[p] != want {
			out = append(out, p)
		}
	}
	return out
}

// attemptsOn is fencing.py's count for the on action: the first try and
// retry_on retries.
func (r *run) attemptsOn() int {
	return 1 + r.opts.Int(retryOnOpt.Name)
}

func (r *run) connect(ctx context.Context) (Device, error) {
	cctx, cancel := r.step(ctx, r.lim.login)
	defer cancel()
	dev, err := r.agent.Connect(cctx, r.opts)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return dev, nil
}

func (r *run) list(ctx context.Context, dev Device, withStatus bool) int {
	if !r.agent.hasPlug() {
		fmt.Fprintln(r.env.Stdout, "N/A")
		return ExitSuccess
	}
	sctx, cancel := r.step(ctx, r.lim.shell)
	defer cancel()
	outlets, err := dev.List(sctx)
	if err != nil {
		return r.fail(fmt.Errorf("list: %w", err))
	}
	sep := r.opts.String("separator")
	for _, o := range outlets {
		line := o.ID + sep + o.Alias
		if withStatus {
			line += sep + o.State.String()
		}
		fmt.Fprintln(r.env.Stdout, line)
	}
	return ExitSuccess
}

func (r *run) written(err error) int {
	if err != nil {
		return r.fail(fmt.Errorf("write: %w", err))
	}
	return ExitSuccess
}

// fail prints the reason the fencer logs and returns the failure code.
func (r *run) fail(err error) int {
	r.stderrf("Failed: %v", err)
	return ExitFailure
}

func (r *run) warnf(format string, args ...any) {
	r.stderrf("WARNING: "+format, args...)
}

// stderrf writes a line for the fencer's log, unless quiet, and for
// debug_file.
func (r *run) stderrf(format string, args ...any) {
	line := fmt.Sprintf(format, args...) + "\n"
	if !r.quiet {
		io.WriteString(r.env.Stderr, line)
	} else if w := r.openSyslog(); w != nil {
		io.WriteString(w, line)
	}
	if r.debugFile != nil {
		io.WriteString(r.debugFile, r.agent.Name+": "+line)
	}
}

// openSyslog returns the system log, or nil when there is none (a
// container without /dev/log): quiet then leaves only debug_file.
func (r *run) openSyslog() io.Writer {
	if r.syslog == nil && r.env.Syslog != nil {
		if w, err := r.env.Syslog(); err == nil {
			r.syslog = w
		}
	}
	return r.syslog
}

// debugf logs at verbose level 1, tracef at level 2.
func (r *run) debugf(format string, args ...any) { r.logf(1, format, args...) }
func (r *run) tracef(format string, args ...any) { r.logf(2, format, args...) }

func (r *run) logf(level int, format string, args ...any) {
	line := r.agent.Name + ": " + fmt.Sprintf(format, args...) + "\n"
	if r.level >= level && !r.quiet {
		io.WriteString(r.env.Stderr, line)
	}
	if r.debugFile != nil {
		io.WriteString(r.debugFile, line)
	}
}

// usage prints the options the way fence-agents' --help does.
func (r *run) usage() {
	w := r.env.Stdout
	fmt.Fprintf(w, "Usage:\n\t%s [options]\nOptions:\n", r.agent.Name)
	for _, d := range r.opts.decls {
		fmt.Fprintf(w, "   %-40s %s\n", d.getopt(), d.shortdesc())
	}
}
