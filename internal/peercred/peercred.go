// Package peercred connects to Unix sockets with another user's peer
// credentials while the process stays root. PostgreSQL's distribution
// default, "local all postgres peer", then admits root as postgres without a
// password and without a child process: qvd-ha-bootstrap's db-init and the
// ocf:qvd:pgsql monitor both rely on it.
package peercred

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"
)

// DialAs returns a dialer (a pgconn.DialFunc) whose Unix socket connections
// carry uid and gid as their peer credentials; other networks are dialled
// as they are. The process keeps its own ids: it may have read a root-only
// password file, and writes root's files afterwards.
//
// Linux keeps credentials per thread and records the connecting thread's
// effective ids on the socket (SO_PEERCRED), so the switch is made with raw
// system calls on a locked thread (syscall.Setresuid would change every
// thread) and undone before the thread is released.
func DialAs(uid, gid int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if network != "unix" {
			return d.DialContext(ctx, network, addr)
		}
		euid, egid := os.Geteuid(), os.Getegid()
		runtime.LockOSThread()
		var conn net.Conn
		err := setEffective(uid, gid)
		if err == nil {
			conn, err = d.DialContext(ctx, network, addr)
		}
		if restoreErr := setEffective(euid, egid); restoreErr != nil {
			// The thread's credentials are unknown: it stays locked to
			// this goroutine, and dies with it, rather than serve another.
			if conn != nil {
				conn.Close()
			}
			return nil, fmt.Errorf("return to uid %d after connecting as uid %d: %w", euid, uid, restoreErr)
		}
		runtime.UnlockOSThread()
		if err != nil {
			return nil, fmt.Errorf("connect as uid %d: %w", uid, err)
		}
		return conn, nil
	}
}

// setEffective sets this thread's effective ids, keeping the real and saved
// ones (so that root can come back). Leaving root the gid changes first,
// while root may still change it; coming back, the uid does.
func setEffective(uid, gid int) error {
	keep := ^uintptr(0)
	setGID := func() error {
		if _, _, e := syscall.RawSyscall(syscall.SYS_SETRESGID, keep, uintptr(gid), keep); e != 0 {
			return fmt.Errorf("setresgid: %w", e)
		}
		return nil
	}
	setUID := func() error {
		if _, _, e := syscall.RawSyscall(syscall.SYS_SETRESUID, keep, uintptr(uid), keep); e != 0 {
			return fmt.Errorf("setresuid: %w", e)
		}
		return nil
	}
	if uid == os.Getuid() {
		if err := setUID(); err != nil {
			return err
		}
		return setGID()
	}
	if err := setGID(); err != nil {
		return err
	}
	return setUID()
}
