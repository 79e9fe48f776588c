package ocf

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/qvd-ha/qvd-ha/internal/deadline"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Main runs the action named in os.Args[1] and exits with its code.
func Main(a Agent) {
	_, err := unix.IoctlGetTermios(int(os.Stdin.Fd()), unix.TCGETS)
	d := Dispatcher{
		Env:      os.Environ(),
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Runner:   runner.Exec{},
		Pid:      os.Getpid(),
		Terminal: err == nil,
	}
	os.Exit(int(d.Run(&a, os.Args)))
}

// Dispatcher holds everything the outside world provides, so that the
// protocol can be tested in-process with a fake environment and runner.
type Dispatcher struct {
	Env    []string // KEY=value, as os.Environ returns it
	Stdout io.Writer
	Stderr io.Writer
	Runner runner.Runner
	Pid    int
	// Terminal: standard input is a terminal, as tty(1) tests it in
	// ocf-shellfuncs. An agent run by hand then logs to stderr only.
	Terminal bool
}

// Run carries out one action and returns its exit code.
func (d *Dispatcher) Run(a *Agent, args []string) RC {
	if len(args) != 2 {
		d.usage(a, args)
		return ErrArgs
	}
	name := args[1]
	switch name {
	case "meta-data":
		if err := a.WriteMetadata(d.Stdout); err != nil {
			fmt.Fprintln(d.Stderr, err)
			return ErrGeneric
		}
		return Success
	case "manpage":
		// Not an OCF action: the build runs it to write ocf_qvd_<agent>.7.
		if err := a.WriteManPage(d.Stdout); err != nil {
			fmt.Fprintln(d.Stderr, err)
			return ErrGeneric
		}
		return Success
	case "usage", "help", "--help", "-h":
		d.usage(a, args)
		return Success
	}

	env := map[string]string{}
	meta := map[string]string{}
	for _, kv := range d.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
		if name, ok := strings.CutPrefix(k, "OCF_RESKEY_CRM_meta_"); ok {
			meta[name] = v
		}
	}
	getenv := func(k string) string { return env[k] }

	instance := getenv("OCF_RESOURCE_INSTANCE")
	if instance == "" {
		instance = "default"
	}
	log := newLogger(a.Name, instance, d.Pid, getenv, d.Stderr, d.Terminal)
	defer d.startTrace(a, name, instance, getenv, log)()
	start := time.Now()
	rc, reason := d.act(a, args, instance, getenv, meta, log)
	// The exit reason is shortened to what Pacemaker keeps and printed
	// last, after the log lines about it; the log has it in full. As
	// ocf_exit_reason does, the log line skips stderr when stderr gets the
	// same text as the exit reason.
	var short string
	if reason != "" {
		reason = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(reason)
		short = shortReason(reason)
		level := LevelError
		switch rc {
		case NotRunning, Degraded, DegradedPromoted:
			// Not a failure of the agent: a stopped resource, or one that
			// serves but needs an administrator.
			level = LevelWarning
		}
		log.emit(level, reason, short == reason)
	}
	log.Debugf("%s finished with %s (rc %d) after %s", name, rc, int(rc), time.Since(start).Round(time.Millisecond))
	if reason != "" {
		fmt.Fprintf(d.Stderr, "ocf-exit-reason:%s\n", short)
	}
	return rc
}

// act parses the parameters and runs the action. It returns the exit code
// and the reason to print as the exit reason, if any.
func (d *Dispatcher) act(a *Agent, args []string, instance string, getenv func(string) string, meta map[string]string, log *Logger) (rc RC, reason string) {
	name := args[1]
	act := a.action(name)
	if act == nil && name != "validate-all" {
		d.usage(a, args)
		return ErrUnimplemented, fmt.Sprintf("action %q is not implemented by ocf:qvd:%s", name, a.Name)
	}

	var declared time.Duration
	if act != nil {
		declared = act.Timeout
	}
	timeout := opTimeout(meta, declared)
	// The executor kills the agent when timeout ends: stop a margin
	// earlier, with a reason.
	ctx, cancel := context.WithTimeout(context.Background(), deadline.OCF.Within(timeout))
	defer cancel()

	params, err := ParseParams(a.Params, getenv)
	if err != nil {
		// Also for stop: see "Stop with bad parameters" in doc.go.
		_, reason := rcOf(err)
		return ErrConfigured, reason
	}
	if name == "start" || name == "validate-all" {
		// Once per start, not on every monitor: the admin reads it when
		// the resource comes up or when checking a configuration.
		for _, p := range a.Params {
			if p.Ignored != "" && params.IsSet(p.Name) {
				log.Infof("parameter %s is ignored: %s", p.Name, p.Ignored)
			}
		}
	}
	req := &Request{
		Action:   name,
		Instance: instance,
		Params:   params,
		Interval: msMeta(meta, "interval"),
		Timeout:  timeout,
		Meta:     meta,
		Log:      log,
		Run:      traced(d.Runner, log),
	}
	// Pacemaker 2.0.5 and later pass an operation's OCF_CHECK_LEVEL as is,
	// older versions with the OCF_RESKEY_ prefix of every other attribute
	// (pacemaker PR 2168); ocf-shellfuncs reads both, the unprefixed first.
	level := getenv("OCF_CHECK_LEVEL")
	if level == "" {
		level = getenv("OCF_RESKEY_OCF_CHECK_LEVEL")
	}
	req.CheckLevel, _ = strconv.Atoi(level)
	if name == "notify" {
		req.Notify = parseNotify(meta)
	}
	if act == nil || act.Func == nil {
		// validate-all without a function of its own: parsing was the check.
		return Success, ""
	}

	defer func() {
		// A bug must still end in an exit code and a reason, not a stack
		// trace in the executor's log and a signal as the result.
		if p := recover(); p != nil {
			rc, reason = ErrGeneric, fmt.Sprintf("internal error in %s: %v", name, p)
		}
	}()
	log.Debugf("%s (timeout %s, deadline in %s)", name, timeout, deadline.OCF.Within(timeout))
	rc, reason = rcOf(act.Func(ctx, req))
	if rc == NotRunning && req.IsProbe() && reason != "" {
		// A probe finding nothing is the expected answer, not a failure:
		// Pacemaker shows no reason for it, so it is only logged.
		log.Infof("%s", reason)
		return rc, ""
	}
	return rc, reason
}

func (d *Dispatcher) usage(a *Agent, args []string) {
	prog := a.Name
	if len(args) > 0 {
		prog = args[0]
	}
	var names []string
	for _, act := range a.allActions() {
		if !slices.Contains(names, act.Name) {
			names = append(names, act.Name)
		}
	}
	fmt.Fprintf(d.Stderr, "usage: %s {%s}\n", prog, strings.Join(names, "|"))
}

func msMeta(meta map[string]string, key string) time.Duration {
	ms, _ := strconv.Atoi(meta[key])
	return time.Duration(ms) * time.Millisecond
}
