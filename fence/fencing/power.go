package fencing

import (
	"context"
	"errors"
	"fmt"
	"time"
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
		l.total = fencer - min(5*time.Second, fencer/10)
		return l
	}
	half := l.power + l.wait + l.power + l.shell + l.sleep
	l.total = l.login + l.shell + time.Second
	switch action {
	case "on":
		l.total += time.Duration(r.attemptsOn()) * half
	case "off":
		l.total += o.Duration("delay") + half
	case "reboot":
		l.total += o.Duration("delay") + half + time.Duration(r.attemptsOn())*half
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

// setPower asks for want and polls until the device reports it. A plug that
// vanishes while being switched off (a transient VM) is off.
func (r *run) setPower(ctx context.Context, dev Device, plug string, want State, attempts int) error {
	var last error
	for attempt := 1; attempt <= attempts; attempt++ {
		if err := r.request(ctx, dev, plug, want); err != nil {
			if want == Off && errors.Is(err, ErrNoSuchPlug) {
				return nil
			}
			last = err
			r.debugf("attempt %d: %v", attempt, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if err := r.env.Clock.Sleep(ctx, r.lim.wait); err != nil {
			return fmt.Errorf("power %s %s: interrupted in power_wait: %w", want, plug, err)
		}
		if last = r.waitFor(ctx, dev, plug, want); last == nil {
			return nil
		}
		r.debugf("attempt %d: %v", attempt, last)
	}
	return last
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

// waitFor polls every stonith_status_sleep until the plug reports want or
// power_timeout passes.
func (r *run) waitFor(ctx context.Context, dev Device, plug string, want State) error {
	end := r.env.Clock.Now().Add(r.lim.power)
	for {
		st, err := r.status(ctx, dev, plug, want == Off)
		if err == nil && st == want {
			return nil
		}
		reason := fmt.Sprintf("still %s", st)
		if err != nil {
			reason = err.Error()
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s did not turn %s before the deadline: %s", plug, want, reason)
		}
		if !r.lim.disabled && r.lim.power > 0 && !r.env.Clock.Now().Before(end) {
			return fmt.Errorf("%s did not turn %s within power_timeout %s: %s", plug, want, r.lim.power, reason)
		}
		if err := r.env.Clock.Sleep(ctx, r.lim.sleep); err != nil {
			return fmt.Errorf("%s did not turn %s before the deadline: %s", plug, want, reason)
		}
	}
}
