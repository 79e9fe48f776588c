package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coreos/go-systemd/v22/dbus"
)

// fakeSystemd is systemd's D-Bus API over a table of unit files and units.
type fakeSystemd struct {
	enabled map[string]bool // unit file name -> enabled; absent: not installed
	active  map[string]bool // unit name -> running
	calls   []string
	fail    map[string]error // D-Bus method name -> the error it returns
}

func (f *fakeSystemd) ListUnitFilesByPatternsContext(_ context.Context, states, patterns []string) ([]dbus.UnitFile, error) {
	if err := f.fail["ListUnitFilesByPatterns"]; err != nil {
		return nil, err
	}
	var out []dbus.UnitFile
	for name, on := range f.enabled {
		if on && matchAny(patterns, name) && contains(states, "enabled") {
			out = append(out, dbus.UnitFile{Path: "/usr/lib/systemd/system/" + name, Type: "enabled"})
		}
	}
	return out, nil
}

func (f *fakeSystemd) DisableUnitFilesContext(_ context.Context, names []string, runtime bool) ([]dbus.DisableUnitFileChange, error) {
	if err := f.fail["DisableUnitFiles"]; err != nil {
		return nil, err
	}
	f.calls = append(f.calls, fmt.Sprintf("disable %v runtime=%v", names, runtime))
	for _, n := range names {
		f.enabled[n] = false
	}
	return nil, nil
}

func (f *fakeSystemd) EnableUnitFilesContext(_ context.Context, names []string, runtime, force bool) (bool, []dbus.EnableUnitFileChange, error) {
	if err := f.fail["EnableUnitFiles"]; err != nil {
		return false, nil, err
	}
	f.calls = append(f.calls, fmt.Sprintf("enable %v runtime=%v force=%v", names, runtime, force))
	for _, n := range names {
		// systemd refuses the whole call for a unit file it cannot find.
		if _, ok := f.enabled[n]; !ok {
			return false, nil, fmt.Errorf("Unit file %s does not exist.", n)
		}
	}
	for _, n := range names {
		f.enabled[n] = true
	}
	return true, nil, nil
}

func (f *fakeSystemd) StartUnitContext(_ context.Context, name, mode string, ch chan<- string) (int, error) {
	if err := f.fail["StartUnit"]; err != nil {
		return 0, err
	}
	f.calls = append(f.calls, "start "+name+" "+mode)
	f.active[name] = true
	ch <- "done"
	return 1, nil
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
			useFakeSystemd(t, fake)
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
