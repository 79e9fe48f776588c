package fencing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/deadline"
)

// limits are the deadlines of one run.
type limits struct {
	// disabled: under Pacemaker the fencer's timer decides, as in
	// fence-agents; single steps are then bounded only by total.
	disabled            bool
	login, shell, power time.Duration
	wait, sleep         time.Duration
	total               time.Duration
}

func (l limits) describe() string {
	if l.disabled {
		return "disabled (the fencer's timer decides)"
	}
	return fmt.Sprintf("login %s, shell %s, power %s", l.login, l.shell, l.power)
}

// limits derives the deadlines from the options and the environment.
//
// Outside Pacemaker every step has its own timeout and total is their sum, a
// backstop that cannot cut a step short. Under Pacemaker the fencer kills the
// agent when its own timeout (pcmk_<action>_timeout, 60 s by default) ends;
// the agent stops a little earlier so that the fencer logs our reason rather
// than a bare timeout.
func (r *run) limits(action string) limits {
	o := r.opts
	l := limits{
		login: o.Duration("login_timeout"),
		shell: o.Duration("shell_timeout"),
		power: o.Duration("power_timeout"),
		wait:  o.Duration("power_wait"),
		sleep: o.Duration("stonith_status_sleep"),
	}
	if o.IsSet("disable_timeout") {
		l.disabled = o.Bool("disable_timeout")
	} else {
		l.disabled = r.env.Getenv("PCMK_service") == "pacemaker-fenced"
	}
	if l.disabled {
		fencer := o.Duration("fencer_timeout")
		l.total = deadline.Fencer.Within(fencer)
		return l
	}
	// One try: each plug's request and power_wait, then polling that
	// ends power_timeout later with one more status round.
	n := time.Duration(len(r.plugs()))
	try := n*(l.power+l.wait) + l.power + n*l.shell + l.sleep
	l.total = l.login + n*l.shell + time.Second
	switch action {
	case "on":
		l.total += time.Duration(r.attemptsOn()) * try
	case "off":
		l.total += o.Duration("delay") + try
	case "reboot":
		l.total += o.Duration("delay") + try + time.Duration(o.Int(retryOnOpt.Name))*try
	}
	return l
}

// step bounds one call to the device by d, unless timeouts are disabled.
func (r *run) step(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if r.lim.disabled || d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// status asks the device once. A missing plug is OFF when missingAsOff.
func (r *run) status(ctx context.Context, dev Device, plug string, missingAsOff bool) (State, error) {
	sctx, cancel := r.step(ctx, r.lim.shell)
	defer cancel()
	st, err := dev.Status(sctx, plug)
	if err != nil {
		r.tracef("status %s: %v", plug, err)
	} else {
		r.tracef("status %s: %s", plug, st)
	}
	switch {
	case err == nil && st != On && st != Off:
		return Unknown, fmt.Errorf("status of %s: device reported neither ON nor OFF", plug)
	case err == nil:
		return st, nil
	case missingAsOff && errors.Is(err, ErrNoSuchPlug):
		return Off, nil
	}
	return Unknown, fmt.Errorf("status of %s: %w", plug, err)
}

// setPower asks for want on every plug and polls until all report it,
// trying attempts times; a try asks again only for the plugs that did not
// get there. A plug that vanishes while being switched off (a transient VM)
// is off.
func (r *run) setPower(ctx context.Context, dev Device, plugs []string, want State, attempts int) error {
	pending := plugs
	var errs []string
	for attempt := 1; attempt <= attempts && len(pending) > 0; attempt++ {
		errs = nil
		var asked, left []string
		for _, plug := range pending {
			err := r.request(ctx, dev, plug, want)
			switch {
			case err == nil:
				asked = append(asked, plug)
				if err := r.env.Clock.Sleep(ctx, r.lim.wait); err != nil {
					return fmt.Errorf("power %s %s: interrupted in power_wait: %w", want, plug, err)
				}
			case want == Off && errors.Is(err, ErrNoSuchPlug):
			default:
				left = append(left, plug)
				errs = append(errs, err.Error())
			}
		}
		if len(asked) > 0 {
			late, reasons := r.waitFor(ctx, dev, asked, want)
			left = append(left, late...)
			errs = append(errs, reasons...)
		}
		pending = left
		for _, e := range errs {
			r.debugf("try %d of %d: %s", attempt, attempts, e)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if len(pending) == 0 {
		return nil
	}
	return errors.New(strings.Join(errs, "; "))
}

func (r *run) request(ctx context.Context, dev Device, plug string, want State) error {
	sctx, cancel := r.step(ctx, r.lim.power)
	defer cancel()
	var err error
	if want == On {
		err = dev.On(sctx, plug)
	} else {
		err = dev.Off(sctx, plug)
	}
	if err != nil {
		return fmt.Errorf("power %s %s: %w", want, plug, err)
	}
	return nil
}

// waitFor polls every stonith_status_sleep until every plug reports want or
// power_timeout passes. It returns the plugs that did not get there, each
// with its reason.
func (r *run) waitFor(ctx context.Context, dev Device, plugs []string, want State) ([]string, []string) {
	end := r.env.Clock.Now().Add(r.lim.power)
	pending := plugs
	for {
		var left, reasons []string
		for _, plug := range pending {
			st, err := r.status(ctx, dev, plug, want == Off)
			if err == nil && st == want {
				continue
			}
			reason := fmt.Sprintf("still %s", st)
			if err != nil {
				reason = err.Error()
			}
			left = append(left, plug)
			reasons = append(reasons, reason)
		}
		if len(left) == 0 {
			return nil, nil
		}
		pending = left
		late := func(why string) ([]string, []string) {
			for i, plug := range left {
				reasons[i] = fmt.Sprintf("%s did not turn %s %s: %s", plug, want, why, reasons[i])
			}
			return left, reasons
		}
		if ctx.Err() != nil {
			return late("before the deadline")
		}
		if !r.lim.disabled && r.lim.power > 0 && !r.env.Clock.Now().Before(end) {
			return late(fmt.Sprintf("within power_timeout %s", r.lim.power))
		}
		if err := r.env.Clock.Sleep(ctx, r.lim.sleep); err != nil {
			return late("before the deadline")
		}
	}
}
