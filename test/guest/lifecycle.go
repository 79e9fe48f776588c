package guest

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
)

// Shutdown flushes the guest's disks and stops qemu; the data disk keeps
// what the guest wrote. It waits for qemu to exit until ctx is done, then
// kills it.
func (g *Guest) Shutdown(ctx context.Context) error {
	if g.cmd == nil {
		return fmt.Errorf("shutdown %s: not launched by StartAll (see Dial)", g.Name)
	}
	select {
	case <-g.exited:
		return nil
	default:
	}
	if _, err := g.Run(ctx, "sync"); err != nil {
		return fmt.Errorf("shutdown %s: %w", g.Name, err)
	}
	// qemu quits cleanly on SIGTERM, flushing its own writes.
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("shutdown %s: signal qemu: %w", g.Name, err)
	}
	select {
	case <-g.exited:
		return nil
	case <-ctx.Done():
		g.Kill()
		return fmt.Errorf("shutdown %s: qemu still running: %w", g.Name, ctx.Err())
	}
}

// Kill stops qemu at once: a power cut, as far as the guest can tell. It
// does nothing to a guest that Dial reached: its machine is not ours.
func (g *Guest) Kill() {
	if g.cmd == nil {
		return
	}
	select {
	case <-g.exited:
		return
	default:
	}
	_ = g.cmd.Process.Kill() // fails only when qemu has exited already
	<-g.exited
}

// Running reports whether qemu has not exited.
func (g *Guest) Running() bool {
	select {
	case <-g.exited:
		return false
	default:
		return true
	}
}

// destroy leaves nothing behind: no qemu, no socket, no disk.
func (g *Guest) destroy(t testing.TB) {
	if g.cmd != nil {
		g.Kill()
	}
	if g.conn != nil {
		g.conn.Close()
	}
	if t.Failed() {
		t.Logf("guest %s console (end):\n%s", g.Name, tailFile(g.path("console.log"), 4000))
	}
	if err := os.RemoveAll(g.Dir); err != nil {
		t.Errorf("remove guest directory: %v", err)
	}
}
