package fencing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/runner"
)

// Exit codes of the fence-agents API.
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
	debug io.Writer // nil unless verbose or debug_file
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
	if f, ok := r.debug.(*os.File); ok && f != os.Stderr {
		defer f.Close()
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
	if !slices.Contains(actions, action) {
		return r.fail(fmt.Errorf("unknown action %q (one of %s)", action, strings.Join(actions, ", ")))
	}
	if err := r.check(action); err != nil {
		return r.fail(err)
	}
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
	for _, w := range warn {
		fmt.Fprintln(r.env.Stderr, "WARNING: "+w)
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
		r.debug = f
	} else if r.opts.Bool("verbose") {
		r.debug = r.env.Stderr
	}
	return nil
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

// plug is the target: the plug option, else the node Pacemaker names.
func (r *run) plug() string {
	if r.agent.hasPlug() {
		if p := r.opts.String(Plug.Name); p != "" {
			return p
		}
	}
	return r.opts.NodeName()
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

	plug := r.plug()
	st, err := r.status(ctx, dev, plug, r.opts.Bool("missing_as_off"))
	if err != nil {
		return r.fail(err)
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
		if st == want {
			fmt.Fprintf(r.env.Stdout, "Success: Already %s\n", st)
			return ExitSuccess
		}
		attempts := 1
		if want == On {
			attempts = r.attemptsOn()
		}
		if err := r.setPower(ctx, dev, plug, want, attempts); err != nil {
			return r.fail(err)
		}
		fmt.Fprintf(r.env.Stdout, "Success: Powered %s\n", want)
		return ExitSuccess
	default: // reboot
		if st != Off {
			if err := r.setPower(ctx, dev, plug, Off, 1); err != nil {
				return r.fail(err)
			}
		}
		// The node is fenced once it is off: a failed power-on is reported
		// but does not fail the reboot.
		if err := r.setPower(ctx, dev, plug, On, r.attemptsOn()); err != nil {
			fmt.Fprintf(r.env.Stderr, "WARNING: fenced, but not powered on again: %v\n", err)
		}
		fmt.Fprintln(r.env.Stdout, "Success: Rebooted")
		return ExitSuccess
	}
}

func (r *run) attemptsOn() int {
	return max(1, r.opts.Int("retry_on"))
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
	fmt.Fprintf(r.env.Stderr, "Failed: %v\n", err)
	return ExitFailure
}

func (r *run) debugf(format string, args ...any) {
	if r.debug != nil {
		fmt.Fprintf(r.debug, r.agent.Name+": "+format+"\n", args...)
	}
}

// usage prints the options the way fence-agents' --help does.
func (r *run) usage() {
	w := r.env.Stdout
	fmt.Fprintf(w, "Usage:\n\t%s [options]\nOptions:\n", r.agent.Name)
	for _, d := range r.opts.decls {
		fmt.Fprintf(w, "   %-40s %s\n", d.getopt(), d.Shortdesc)
	}
}
