package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coreos/go-systemd/v22/dbus"
	"github.com/qvd-ha/qvd-ha/bootstrap/units"
)

// fakeSystemd is systemd's D-Bus API over a table of unit files and units.
type fakeSystemd struct {
	enabled map[string]bool // unit file name -> enabled
	active  map[string]bool // unit name -> running
	calls   []string
}

func (f *fakeSystemd) ListUnitFilesByPatternsContext(_ context.Context, states, patterns []string) ([]dbus.UnitFile, error) {
	var out []dbus.UnitFile
	for name, on := range f.enabled {
		if on && matchAny(patterns, name) && contains(states, "enabled") {
			out = append(out, dbus.UnitFile{Path: "/usr/lib/systemd/system/" + name, Type: "enabled"})
		}
	}
	return out, nil
}

func (f *fakeSystemd) DisableUnitFilesContext(_ context.Context, names []string, runtime bool) ([]dbus.DisableUnitFileChange, error) {
	f.calls = append(f.calls, fmt.Sprintf("disable %v runtime=%v", names, runtime))
	for _, n := range names {
		f.enabled[n] = false
	}
	return nil, nil
}

func (f *fakeSystemd) ListUnitsByPatternsContext(_ context.Context, states, patterns []string) ([]dbus.UnitStatus, error) {
	var out []dbus.UnitStatus
	for name, on := range f.active {
		if on && matchAny(patterns, name) && contains(states, "active") {
			out = append(out, dbus.UnitStatus{Name: name, ActiveState: "active"})
		}
	}
	return out, nil
}

func (f *fakeSystemd) StopUnitContext(_ context.Context, name, mode string, ch chan<- string) (int, error) {
	f.calls = append(f.calls, "stop "+name+" "+mode)
	f.active[name] = false
	ch <- "done"
	return 1, nil
}

func (f *fakeSystemd) ReloadContext(context.Context) error {
	f.calls = append(f.calls, "reload")
	return nil
}

func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestDisableUnits(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		wantCalls string
		wantOut   []string
		enabled   map[string]bool
		active    map[string]bool
	}{
		{"dry run changes nothing", []string{"--dry-run", "--stop"}, "[]",
			[]string{"would disable drbd.service", "would disable postgresql.service", "would stop postgresql.service"},
			map[string]bool{"postgresql.service": true, "drbd.service": true}, map[string]bool{"postgresql.service": true}},
		{"disable without stopping", nil, "[disable [drbd.service postgresql.service] runtime=false reload]",
			[]string{"done: disable drbd.service", "done: disable postgresql.service"},
			map[string]bool{"postgresql.service": true, "drbd.service": true}, map[string]bool{"postgresql.service": true}},
		{"stop only when asked", []string{"--stop"}, "[disable [postgresql@15-main.service] runtime=false reload stop postgresql@15-main.service replace]",
			[]string{"done: disable postgresql@15-main.service", "done: stop postgresql@15-main.service"},
			map[string]bool{"postgresql@15-main.service": true, "drbd.service": false}, map[string]bool{"postgresql@15-main.service": true}},
		{"nothing to do", []string{"--stop"}, "[]",
			[]string{"no postgresql or drbd unit is enabled"},
			map[string]bool{"postgresql.service": false, "sshd.service": true}, map[string]bool{"sshd.service": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeSystemd{enabled: tc.enabled, active: tc.active}
			old := connectSystemd
			connectSystemd = func(context.Context) (units.Manager, func(), error) { return fake, func() {}, nil }
			t.Cleanup(func() { connectSystemd = old })
			out := runOK(t, append([]string{"disable-units"}, tc.args...)...)
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output %q lacks %q", out, w)
				}
			}
			if got := fmt.Sprint(fake.calls); got != tc.wantCalls {
				t.Errorf("systemd calls %s, want %s", got, tc.wantCalls)
			}
			// A second run finds nothing left to do.
			if tc.wantCalls != "[]" {
				fake.calls = nil
				if out := runOK(t, append([]string{"disable-units"}, tc.args...)...); len(fake.calls) != 0 || !strings.Contains(out, "no postgresql or drbd unit is enabled") {
					t.Errorf("second run: %q, calls %v", out, fake.calls)
				}
			}
		})
	}
}
