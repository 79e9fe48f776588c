package fencing

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock advances only when slept on, so power loops run instantly.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	events *[]string
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	if c.events != nil && d > 0 {
		*c.events = append(*c.events, fmt.Sprintf("sleep %s", d))
	}
	return ctx.Err()
}

// fakeDevice is a power switch whose plugs obey after a number of polls.
type fakeDevice struct {
	state map[string]State
	// lag is how many status polls a requested change takes to show.
	lag     int
	pending map[string]State
	polls   map[string]int
	stuck   bool // requests are accepted but never take effect
	// stuckPlug is one plug whose requests never take effect.
	stuckPlug string
	vanish    bool // a plug switched off disappears (transient VM)
	hang      bool // every call blocks until its context ends
	failOn    int  // the first failOn power-on requests fail
	panicky   bool
	events    *[]string
	password  string
}

func newFake(state map[string]State) *fakeDevice {
	return &fakeDevice{state: state, pending: map[string]State{}, polls: map[string]int{}, events: &[]string{}}
}

func (f *fakeDevice) log(format string, args ...any) {
	*f.events = append(*f.events, fmt.Sprintf(format, args...))
}

func (f *fakeDevice) block(ctx context.Context) error {
	if f.hang {
		<-ctx.Done()
		return fmt.Errorf("device did not answer: %w", ctx.Err())
	}
	return nil
}

func (f *fakeDevice) Status(ctx context.Context, plug string) (State, error) {
	if f.panicky {
		panic("boom")
	}
	if err := f.block(ctx); err != nil {
		return Unknown, err
	}
	f.log("status %s", plug)
	if want, ok := f.pending[plug]; ok {
		f.polls[plug]++
		if f.polls[plug] > f.lag {
			delete(f.pending, plug)
			if want == Off && f.vanish {
				delete(f.state, plug)
			} else {
				f.state[plug] = want
			}
		}
	}
	st, ok := f.state[plug]
	if !ok {
		return Unknown, fmt.Errorf("%q: %w", plug, ErrNoSuchPlug)
	}
	return st, nil
}

func (f *fakeDevice) set(ctx context.Context, plug string, want State) error {
	if err := f.block(ctx); err != nil {
		return err
	}
	f.log("set %s %s", plug, want)
	if _, ok := f.state[plug]; !ok {
		return fmt.Errorf("%q: %w", plug, ErrNoSuchPlug)
	}
	if want == On && f.failOn > 0 {
		f.failOn--
		return fmt.Errorf("power on refused")
	}
	if !f.stuck && plug != f.stuckPlug {
		f.pending[plug] = want
		f.polls[plug] = 0
	}
	return nil
}

func (f *fakeDevice) On(ctx context.Context, plug string) error  { return f.set(ctx, plug, On) }
func (f *fakeDevice) Off(ctx context.Context, plug string) error { return f.set(ctx, plug, Off) }

func (f *fakeDevice) List(ctx context.Context) ([]Outlet, error) {
	if err := f.block(ctx); err != nil {
		return nil, err
	}
	return []Outlet{{ID: "vm1", Alias: "uuid-1", State: f.state["vm1"]}, {ID: "vm2", Alias: "uuid-2", State: Unknown}}, nil
}

func (f *fakeDevice) Monitor(ctx context.Context) error { return f.block(ctx) }
func (f *fakeDevice) Close() error                      { return nil }

// testAgent declares the shared options so that aliases can be exercised.
func testAgent(dev *fakeDevice) *Agent {
	return &Agent{
		Name:      "fence_test",
		Shortdesc: "Fence agent for tests",
		Longdesc:  "Switches fake plugs.\n\nSecond paragraph with a .dot and a \\backslash.\n\n  verbatim example\n  .line",
		VendorURL: "https://example.org",
		Version:   "1.2.3",
		Options: []Option{Plug, IP, IPPort, Username, Password, PasswordScript, PasswordFile, SSLInsecure,
			{Name: "sudo", Type: Boolean, Shortdesc: "Use sudo", Ignored: "nothing runs through a shell"}},
		Connect: func(ctx context.Context, o *Options) (Device, error) {
			dev.log("connect")
			dev.password = o.Password()
			return dev, nil
		},
	}
}

type result struct {
	code           int
	stdout, stderr string
	clock          *fakeClock
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
}

// runAgent runs the agent in-process with the given argv, stdin and
// environment, the way CNI's skel tests do.
func runAgent(t *testing.T, a *Agent, args []string, stdin string, env map[string]string, opts ...func(*Env)) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	e := Env{
		Args:   args,
		Getenv: func(k string) string { return env[k] },
		Stdin:  strings.NewReader(stdin),
		Stdout: &stdout,
		Stderr: &stderr,
		Clock:  clock,
	}
	for _, o := range opts {
		o(&e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	code := a.Run(ctx, e)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String(), clock: clock}
}
