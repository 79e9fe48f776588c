// Package units sets which units systemd starts on its own, through its
// D-Bus API: never what Pacemaker manages (postgresql, drbd: their unit
// files are disabled, and stopped only when asked), always the maintenance
// timers that replace the runbook's cron lines.
package units

import (
	"context"
	"fmt"
	"path"
	"slices"

	"github.com/coreos/go-systemd/v22/dbus"
)

// Manager is the part of systemd's D-Bus API used here; *dbus.Conn has it,
// tests give a fake.
type Manager interface {
	ListUnitFilesByPatternsContext(ctx context.Context, states, patterns []string) ([]dbus.UnitFile, error)
	DisableUnitFilesContext(ctx context.Context, files []string, runtime bool) ([]dbus.DisableUnitFileChange, error)
	ListUnitsByPatternsContext(ctx context.Context, states, patterns []string) ([]dbus.UnitStatus, error)
	StopUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	EnableUnitFilesContext(ctx context.Context, files []string, runtime, force bool) (bool, []dbus.EnableUnitFileChange, error)
	StartUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	ReloadContext(ctx context.Context) error
}

// Connect opens the system bus connection to systemd.
func Connect(ctx context.Context) (*dbus.Conn, error) {
	return dbus.NewSystemConnectionContext(ctx)
}

// Patterns are the units Pacemaker alone starts: PostgreSQL (SLES
// postgresql.service, Debian postgresql@VERSION-CLUSTER.service too) and,
// with DRBD storage, drbd.service.
func Patterns(drbd bool) []string {
	p := []string{"postgresql.service", "postgresql@*.service"}
	if drbd {
		p = append(p, "drbd.service")
	}
	return p
}

// Timers are the maintenance timers the runbook's cron lines become: the
// nightly backup and, with DRBD storage, the weekly verification (with
// shared storage drbd-verify has nothing to verify).
func Timers(drbd bool) []string {
	t := []string{"qvd-ha-backup.timer"}
	if drbd {
		t = append(t, "qvd-ha-drbd-verify.timer")
	}
	return t
}

// AllTimers are every timer the package ships: --disable turns off a
// verification timer enabled by hand with shared storage too.
func AllTimers() []string { return Timers(true) }

// enabledStates are the unit file states in which systemd starts a unit on
// its own at boot.
var enabledStates = []string{"enabled", "enabled-runtime"}

var activeStates = []string{"active", "activating", "reloading"}

// Disable disables the enabled unit files matching patterns and, with stop,
// stops their running units. It returns what it did (with dryRun: would
// do); nothing means nothing was to be done.
func Disable(ctx context.Context, m Manager, patterns []string, stop, dryRun bool) ([]string, error) {
	var done []string
	files, err := m.ListUnitFilesByPatternsContext(ctx, enabledStates, patterns)
	if err != nil {
		return nil, fmt.Errorf("list unit files: %w", err)
	}
	var names []string
	for _, f := range files {
		names = append(names, path.Base(f.Path))
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) > 0 {
		for _, n := range names {
			done = append(done, "disable "+n)
		}
		if !dryRun {
			if _, err := m.DisableUnitFilesContext(ctx, names, false); err != nil {
				return done, fmt.Errorf("disable %v: %w", names, err)
			}
			if err := m.ReloadContext(ctx); err != nil {
				return done, fmt.Errorf("daemon-reload: %w", err)
			}
		}
	}
	if !stop {
		return done, nil
	}
	running, err := m.ListUnitsByPatternsContext(ctx, activeStates, patterns)
	if err != nil {
		return done, fmt.Errorf("list units: %w", err)
	}
	for _, u := range running {
		done = append(done, "stop "+u.Name)
		if dryRun {
			continue
		}
		if err := wait(ctx, "stop", u.Name, m.StopUnitContext); err != nil {
			return done, err
		}
	}
	return done, nil
}

// Enable enables the unit files named (exact names, installed in systemd's
// unit path) that are not enabled and starts those not running, so that a
// timer fires without a reboot. It returns what it did (with dryRun: would
// do); nothing means everything was enabled and running already.
func Enable(ctx context.Context, m Manager, names []string, dryRun bool) ([]string, error) {
	var done []string
	// Not enabled-runtime: that is gone at the next boot.
	files, err := m.ListUnitFilesByPatternsContext(ctx, []string{"enabled"}, names)
	if err != nil {
		return nil, fmt.Errorf("list unit files: %w", err)
	}
	enabled := map[string]bool{}
	for _, f := range files {
		enabled[path.Base(f.Path)] = true
	}
	var enable []string
	for _, n := range names {
		if !enabled[n] {
			enable = append(enable, n)
			done = append(done, "enable "+n)
		}
	}
	if len(enable) > 0 && !dryRun {
		// force false: a unit file an administrator replaced or masked
		// stays as it is and the call fails, saying so.
		if _, _, err := m.EnableUnitFilesContext(ctx, enable, false, false); err != nil {
			return done, fmt.Errorf("enable %v: %w", enable, err)
		}
		if err := m.ReloadContext(ctx); err != nil {
			return done, fmt.Errorf("daemon-reload: %w", err)
		}
	}
	running, err := m.ListUnitsByPatternsContext(ctx, activeStates, names)
	if err != nil {
		return done, fmt.Errorf("list units: %w", err)
	}
	active := map[string]bool{}
	for _, u := range running {
		active[u.Name] = true
	}
	for _, n := range names {
		if active[n] {
			continue
		}
		done = append(done, "start "+n)
		if dryRun {
			continue
		}
		if err := wait(ctx, "start", n, m.StartUnitContext); err != nil {
			return done, err
		}
	}
	return done, nil
}

// wait runs a start or stop job and waits for its result: systemd answers
// the call when the job is queued, not when it is done.
func wait(ctx context.Context, verb, name string, job func(context.Context, string, string, chan<- string) (int, error)) error {
	ch := make(chan string, 1)
	if _, err := job(ctx, name, "replace", ch); err != nil {
		return fmt.Errorf("%s %s: %w", verb, name, err)
	}
	select {
	case result := <-ch:
		if result != "done" {
			return fmt.Errorf("%s %s: job %s", verb, name, result)
		}
	case <-ctx.Done():
		return fmt.Errorf("%s %s: %w", verb, name, ctx.Err())
	}
	return nil
}
