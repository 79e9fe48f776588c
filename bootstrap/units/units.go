// Package units keeps systemd from starting what Pacemaker manages
// (postgresql, drbd): their unit files are disabled, and stopped only when
// asked, through systemd's D-Bus API.
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
		ch := make(chan string, 1)
		if _, err := m.StopUnitContext(ctx, u.Name, "replace", ch); err != nil {
			return done, fmt.Errorf("stop %s: %w", u.Name, err)
		}
		select {
		case result := <-ch:
			if result != "done" {
				return done, fmt.Errorf("stop %s: job %s", u.Name, result)
			}
		case <-ctx.Done():
			return done, fmt.Errorf("stop %s: %w", u.Name, ctx.Err())
		}
	}
	return done, nil
}
