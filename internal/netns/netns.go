// Package netns runs code inside a Linux network namespace without a child
// process: sockets, tap devices and netlink requests belong to the namespace
// of the OS thread that creates them, so only that thread has to enter it.
//
// A thread that has entered another namespace must never run other
// goroutines. Every function here therefore runs fn on a goroutine of its
// own, locked to its thread: when the thread can be put back it is unlocked
// and reused; when it cannot, the goroutine ends still locked and the Go
// runtime discards the thread, so the caller never runs in the wrong
// namespace either way. Only fn's own thread is inside: goroutines fn
// starts (a dual-stack net.Dialer's second attempt, for one) are not.
package netns

import (
	"fmt"
	"runtime"

	"github.com/vishvananda/netns"
)

// Do runs fn with its thread inside the network namespace ns and returns
// fn's error. ns stays open: the caller owns it.
func Do(ns netns.NsHandle, fn func() error) error {
	return OnThread(func() error {
		if err := netns.Set(ns); err != nil {
			return fmt.Errorf("entering network namespace %s: %w", ns, err)
		}
		return fn()
	})
}

// DoNamed runs fn with its thread inside the named network namespace (as
// ip netns names them, under /run/netns). A missing namespace is an error
// that matches fs.ErrNotExist.
func DoNamed(name string, fn func() error) error {
	ns, err := netns.GetFromName(name)
	if err != nil {
		return fmt.Errorf("network namespace %s: %w", name, err)
	}
	defer ns.Close()
	return Do(ns, fn)
}

// OnThread runs fn on a locked OS thread of its own and afterwards puts the
// thread back into the network namespace it started in: for fn that moves
// its thread itself (netns.NewNamed does). A panic in fn is raised again in
// the caller, and a runtime.Goexit in fn (t.FailNow) ends the caller's
// goroutine too, so that fn behaves as if it ran on the caller's goroutine.
func OnThread(fn func() error) error {
	type outcome struct {
		err      error
		panicked bool
		value    any
		returned bool
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() { done <- o }()
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			o.err, o.returned = fmt.Errorf("current network namespace: %w", err), true
			return
		}
		defer func() {
			if restored(orig) {
				runtime.UnlockOSThread()
			}
			orig.Close()
		}()
		defer func() {
			// Only this goroutine can recover fn's panic; the caller
			// raises it again.
			if v := recover(); v != nil {
				o.panicked, o.value = true, v
			}
		}()
		o.err = fn()
		o.returned = true
	}()
	o := <-done
	switch {
	case o.panicked:
		panic(o.value)
	case !o.returned:
		runtime.Goexit()
	}
	return o.err
}

// restored puts the calling thread back into orig and says whether it is
// there. A thread that never left needs no system call (setns needs
// CAP_SYS_ADMIN even for the thread's own namespace). A failure is not the
// caller's: fn is done, and the thread is discarded.
func restored(orig netns.NsHandle) bool {
	cur, err := netns.Get()
	if err != nil {
		return false
	}
	defer cur.Close()
	return cur.Equal(orig) || netns.Set(orig) == nil
}
