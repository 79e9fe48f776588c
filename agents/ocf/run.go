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

	"github.com/qvd-ha/qvd-ha/agents/runner"
)

// Main runs the action named in os.Args[1] and exits with its code.
func Main(a Agent) {
	d := Dispatcher{
		Env:    os.Environ(),
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Runner: runner.Exec{},
		Pid:    os.Getpid(),
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
}

// Run carries out one action and returns its exit code.
func (d *Dispatcher) Run(a *Agent, args []string) (rc RC) {
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
	log := newLogger(a.Name, instance, d.Pid, getenv, d.Stderr)
	act := a.action(name)
	if act == nil && name != "validate-all" {
		d.usage(a, args)
		return d.fail(log, ErrUnimplemented, fmt.Sprintf("action %q is not implemented by ocf:qvd:%s", name, a.Name))
	}

	var declared time.Duration
	if act != nil {
		declared = act.Timeout
	}
	timeout := opTimeout(meta, declared)
	ctx, cancel := context.WithTimeout(context.Background(), budget(timeout))
	defer cancel()

	params, err := ParseParams(a.Params, getenv)
	if err != nil {
		_, reason := rcOf(err)
		return d.fail(log, ErrConfigured, reason)
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
	req.CheckLevel, _ = strconv.Atoi(getenv("OCF_CHECK_LEVEL"))
	if name == "notify" {
		req.Notify = parseNotify(meta)
	}
	if act == nil || act.Func == nil {
		// validate-all without a function of its own: parsing was the check.
		return Success
	}

	defer func() {
		// A bug must still end in an exit code and a reason, not a stack
		// trace in the executor's log and a signal as the result.
		if p := recover(); p != nil {
			rc = d.fail(log, ErrGeneric, fmt.Sprintf("internal error in %s: %v", name, p))
		}
	}()
	log.Debugf("%s (timeout %s, deadline in %s)", name, timeout, budget(timeout))
	rc, reason := rcOf(act.Func(ctx, req))
	switch {
	case rc == Success || reason == "":
		return rc
	case rc == NotRunning && req.IsProbe():
		// A probe finding nothing is the expected answer, not a failure:
		// Pacemaker shows no reason for it, so it is only logged.
		log.Infof("%s", reason)
		return rc
	}
	return d.fail(log, rc, reason)
}

// fail logs the reason and prints it as the ocf-exit-reason line that
// crm_mon shows.
func (d *Dispatcher) fail(log *Logger, rc RC, reason string) RC {
	reason = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(reason)
	switch rc {
	case NotRunning, Degraded, DegradedPromoted:
		// Not a failure of the agent: a stopped resource, or one that
		// serves but needs an administrator.
		log.Warnf("%s", reason)
	default:
		log.Errorf("%s", reason)
	}
	fmt.Fprintf(d.Stderr, "ocf-exit-reason:%s\n", reason)
	return rc
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
