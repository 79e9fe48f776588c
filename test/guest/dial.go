package guest

import (
	"fmt"
	"testing"
	"time"
)

// Dial connects to the control channel of a guest that something else runs
// (a libvirt domain, say), waiting up to timeout for it to answer. dir holds
// the guest's control.sock and console.log, laid out as for the guests
// StartAll launches, so that a boot failure shows the console. The machine's
// life belongs to the caller: Shutdown, Kill and SetLink do not apply, and
// after the machine restarts a new Dial is needed (the old channel is
// closed). Close releases the channel.
func Dial(name, dir string, timeout time.Duration) (*Guest, error) {
	g := &Guest{Name: name, Dir: dir, exited: make(chan struct{}),
		opts: Options{Name: name, BootTimeout: timeout}}
	if err := g.waitReady(); err != nil {
		g.Close()
		return nil, fmt.Errorf("dial guest %s: %w", name, err)
	}
	return g, nil
}

// Close releases the control channel of a guest returned by Dial.
func (g *Guest) Close() error {
	if g.conn == nil {
		return nil
	}
	return g.conn.Close()
}

// Reserve holds n of the machine's guest slots (see StartAll) until the
// test ends, for guests that something else runs: the cap on guests at once
// holds for them too. Call it before starting them, so that the slots are
// released after the guests' own cleanups.
func Reserve(t testing.TB, n int) {
	t.Helper()
	slots, err := acquireSlots(n)
	if err != nil {
		t.Fatalf("guest slots: %v", err)
	}
	t.Cleanup(func() {
		for _, s := range slots {
			s.Close()
		}
	})
}
