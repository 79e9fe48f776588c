package fencing

import (
	"context"
	"errors"
	"time"
)

// State is a plug's power state.
type State int

// Power states. Unknown is only ever reported by List.
const (
	Unknown State = iota
	On
	Off
)

func (s State) String() string {
	switch s {
	case On:
		return "ON"
	case Off:
		return "OFF"
	default:
		return "UNKNOWN"
	}
}

// ErrNoSuchPlug is what a Device wraps when the plug does not exist. The
// runtime turns it into OFF while verifying an off (a transient VM vanishes
// when destroyed) and when missing_as_off is set; otherwise it is a failure.
var ErrNoSuchPlug = errors.New("no such plug")

// Outlet is one line of list output.
type Outlet struct {
	ID    string
	Alias string
	State State
}

// Device is an agent's table of power functions, bound to one open
// connection. Every method gets a context whose deadline it must honour; a
// method that cannot (a client library without contexts) must abandon the
// call and return when ctx ends.
type Device interface {
	Status(ctx context.Context, plug string) (State, error)
	On(ctx context.Context, plug string) error
	Off(ctx context.Context, plug string) error
	List(ctx context.Context) ([]Outlet, error)
	// Monitor checks that the device answers; the connection was opened.
	Monitor(ctx context.Context) error
	Close() error
}

// ManSection is an extra man page section, e.g. a set-up guide.
type ManSection struct {
	Title string
	// Body is plain text; blank lines separate paragraphs and lines starting
	// with two spaces are printed verbatim.
	Body string
}

// Agent describes one fence agent. Its main is one call to Main.
type Agent struct {
	Name      string // fence_qvd_libvirt
	Version   string // printed by -V, --version
	Shortdesc string
	Longdesc  string
	VendorURL string
	// Options the agent reads, in the order meta-data and the man page show
	// them; the runtime adds its own (action, delay, timeouts, ...).
	Options     []Option
	ManSections []ManSection
	// Validate checks option combinations beyond their types; it must not
	// contact the device (validate-all runs it alone).
	Validate func(o *Options) error
	// Connect opens the device within ctx's deadline. The runtime closes it.
	Connect func(ctx context.Context, o *Options) (Device, error)
}

// hasPlug says whether the agent fences plugs or a whole device.
func (a *Agent) hasPlug() bool {
	for _, o := range a.Options {
		if o.Name == Plug.Name {
			return true
		}
	}
	return false
}

// options is the full declaration list: action first, as fence-agents
// prints it, then the agent's own, then the runtime's.
func (a *Agent) options() []Option {
	out := []Option{actionOpt}
	out = append(out, a.Options...)
	out = append(out, quietOpt, verboseOpt, verboseLevelOpt, debugFileOpt, versionOpt, helpOpt,
		plugSeparatorOpt, separatorOpt, delayOpt, disableTimeoutOpt, fencerTimeoutOpt, loginTimeoutOpt,
		missingAsOffOpt, powerTimeoutOpt, powerWaitOpt, shellTimeoutOpt, statusSleepOpt, retryOnOpt)
	return out
}

// Clock lets tests run the power loop without waiting.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends, whichever is first.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
