package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/units"
)

// TestTimerUnits: systemd accepts the shipped units, the timers fire in the
// 3-4 a.m. maintenance window (the verification on Saturdays, like the
// runbook's cron line), and each service's command line names a command
// the tool has.
func TestTimerUnits(t *testing.T) {
	dir := t.TempDir()
	units, err := filepath.Glob("systemd/*")
	if err != nil || len(units) != 4 {
		t.Fatalf("units: %v %v", units, err)
	}
	var copies []string
	for _, u := range units {
		data, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		// systemd-analyze verify checks that ExecStart exists; the test
		// binary stands in for the not necessarily installed tool.
		text := strings.ReplaceAll(string(data), "/usr/sbin/qvd-ha-bootstrap", os.Args[0])
		copies = append(copies, filepath.Join(dir, filepath.Base(u)))
		if err := os.WriteFile(copies[len(copies)-1], []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if cmdline, ok := strings.CutPrefix(line, "ExecStart=/usr/sbin/qvd-ha-bootstrap "); ok {
				code, _, stderr := runTool(t, noRunner(t), append(strings.Fields(cmdline), "--help")...)
				if code != 0 {
					t.Errorf("%s: %q: exit %d: %s", u, cmdline, code, stderr)
				}
			}
		}
	}
	if out := exec(t, nil, "systemd-analyze", append([]string{"verify", "--man=no"}, copies...)...); out != "" {
		t.Errorf("systemd-analyze verify:\n%s", out)
	}
	for timer, want := range map[string]*regexp.Regexp{
		"qvd-ha-backup.timer":      regexp.MustCompile(`^\w{3} \d{4}-\d\d-\d\d 03:00:00`),
		"qvd-ha-drbd-verify.timer": regexp.MustCompile(`^Sat \d{4}-\d\d-\d\d 03:30:00`),
	} {
		data, err := os.ReadFile(filepath.Join("systemd", timer))
		if err != nil {
			t.Fatal(err)
		}
		spec := regexp.MustCompile(`(?m)^OnCalendar=(.*)$`).FindStringSubmatch(string(data))
		if spec == nil {
			t.Fatalf("%s has no OnCalendar=", timer)
		}
		out := exec(t, nil, "systemd-analyze", "calendar", "--iterations=7", spec[1])
		n := 0
		for _, m := range regexp.MustCompile(`(?m)(?:Next elapse|Iter\. #\d+): (.*)$`).FindAllStringSubmatch(out, -1) {
			n++
			if !want.MatchString(m[1]) {
				t.Errorf("%s fires at %s, outside its window", timer, m[1])
			}
		}
		if n != 7 {
			t.Errorf("%s: %d elapses, want 7:\n%s", timer, n, out)
		}
	}
	// RandomizedDelaySec keeps the backup inside 3-4 a.m.
	data, _ := os.ReadFile("systemd/qvd-ha-backup.timer")
	if m := regexp.MustCompile(`(?m)^RandomizedDelaySec=(\d+)min$`).FindStringSubmatch(string(data)); m == nil {
		t.Error("qvd-ha-backup.timer: no RandomizedDelaySec=Nmin")
	} else if n, _ := strconv.Atoi(m[1]); n >= 60 {
		t.Errorf("RandomizedDelaySec=%dmin can push the backup out of the 3-4 a.m. window", n)
	}
}

// useFakeSystemd makes the commands talk to fake instead of systemd.
func useFakeSystemd(t *testing.T, fake *fakeSystemd) {
	t.Helper()
	old := connectSystemd
	connectSystemd = func(context.Context) (units.Manager, func(), error) { return fake, func() {}, nil }
	t.Cleanup(func() { connectSystemd = old })
}

// TestTimersCommand: timers turns the runbook's cron lines on through
// systemd (enabled for the next boot, started for tonight), and a second
// run changes nothing; --disable is the reverse; --dry-run only tells.
func TestTimersCommand(t *testing.T) {
	const (
		backup = "qvd-ha-backup.timer"
		verify = "qvd-ha-drbd-verify.timer"
	)
	installed := func() map[string]bool { return map[string]bool{backup: false, verify: false} }
	for _, tc := range []struct {
		name      string
		global    []string // options before the command
		args      []string
		enabled   map[string]bool
		active    map[string]bool
		wantCalls string
		wantOut   []string
		upToDate  string // what the second run says
	}{
		{"first run enables and starts both", nil, nil, installed(), map[string]bool{},
			"[enable [qvd-ha-backup.timer qvd-ha-drbd-verify.timer] runtime=false force=false reload start qvd-ha-backup.timer replace start qvd-ha-drbd-verify.timer replace]",
			[]string{"done: enable qvd-ha-backup.timer", "done: enable qvd-ha-drbd-verify.timer", "done: start qvd-ha-backup.timer", "done: start qvd-ha-drbd-verify.timer"},
			"up to date: the qvd-ha timers are enabled and running"},
		{"enabled but not started: only the start", nil, nil, map[string]bool{backup: true, verify: true}, map[string]bool{verify: true},
			"[start qvd-ha-backup.timer replace]",
			[]string{"done: start qvd-ha-backup.timer"},
			"up to date: the qvd-ha timers are enabled and running"},
		{"shared storage has no DRBD to verify", []string{"--set", "storage=shared", "--set", "shared.device=/dev/sdc"}, nil, installed(), map[string]bool{},
			"[enable [qvd-ha-backup.timer] runtime=false force=false reload start qvd-ha-backup.timer replace]",
			[]string{"done: enable qvd-ha-backup.timer", "done: start qvd-ha-backup.timer"},
			"up to date: the qvd-ha timers are enabled and running"},
		{"already on", nil, nil, map[string]bool{backup: true, verify: true}, map[string]bool{backup: true, verify: true},
			"[]", []string{"up to date: the qvd-ha timers are enabled and running"}, ""},
		{"--disable stops and disables", nil, []string{"--disable"}, map[string]bool{backup: true, verify: true}, map[string]bool{backup: true, verify: true},
			"[disable [qvd-ha-backup.timer qvd-ha-drbd-verify.timer] runtime=false reload stop qvd-ha-backup.timer replace stop qvd-ha-drbd-verify.timer replace]",
			[]string{"done: disable qvd-ha-backup.timer", "done: stop qvd-ha-drbd-verify.timer"},
			"up to date: no qvd-ha timer is enabled or running"},
		{"--dry-run changes nothing", nil, []string{"--dry-run"}, installed(), map[string]bool{},
			"[]", []string{"would enable qvd-ha-backup.timer", "would start qvd-ha-drbd-verify.timer"}, ""},
		{"--disable --dry-run changes nothing", nil, []string{"--disable", "-n"}, map[string]bool{backup: true, verify: true}, map[string]bool{backup: true},
			"[]", []string{"would disable qvd-ha-backup.timer", "would disable qvd-ha-drbd-verify.timer", "would stop qvd-ha-backup.timer"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeSystemd{enabled: tc.enabled, active: tc.active}
			useFakeSystemd(t, fake)
			args := append(append(tc.global, "timers"), tc.args...)
			out := runOK(t, args...)
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output %q lacks %q", out, w)
				}
			}
			if got := fmt.Sprint(fake.calls); got != tc.wantCalls {
				t.Errorf("systemd calls\n%s, want\n%s", got, tc.wantCalls)
			}
			if tc.upToDate == "" {
				return
			}
			fake.calls = nil
			if out := runOK(t, args...); len(fake.calls) != 0 || strings.TrimSpace(out) != tc.upToDate {
				t.Errorf("second run: %q, calls %v; want %q and no call", out, fake.calls, tc.upToDate)
			}
		})
	}
}

// TestTimersSystemdErrors: a failing D-Bus call is one message naming what
// failed, exit 1.
func TestTimersSystemdErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		enabled map[string]bool
		fail    map[string]error
		connect error
		want    string
	}{
		{"no system bus", nil, nil, nil, errors.New("dial unix /run/dbus/system_bus_socket: no such file or directory"),
			"qvd-ha-bootstrap: timers: systemd: dial unix /run/dbus/system_bus_socket"},
		{"timer not installed", nil, map[string]bool{"qvd-ha-backup.timer": false}, nil, nil,
			"qvd-ha-bootstrap: timers: enable [qvd-ha-backup.timer qvd-ha-drbd-verify.timer]: Unit file qvd-ha-drbd-verify.timer does not exist."},
		{"access denied", nil, map[string]bool{"qvd-ha-backup.timer": false, "qvd-ha-drbd-verify.timer": false},
			map[string]error{"ListUnitFilesByPatterns": errors.New("Access denied")}, nil,
			"qvd-ha-bootstrap: timers: list unit files: Access denied"},
		{"start fails", nil, map[string]bool{"qvd-ha-backup.timer": true, "qvd-ha-drbd-verify.timer": true},
			map[string]error{"StartUnit": errors.New("Unit qvd-ha-backup.timer is masked.")}, nil,
			"qvd-ha-bootstrap: timers: start qvd-ha-backup.timer: Unit qvd-ha-backup.timer is masked."},
		{"disable fails", []string{"--disable"}, map[string]bool{"qvd-ha-backup.timer": true},
			map[string]error{"DisableUnitFiles": errors.New("Access denied")}, nil,
			"qvd-ha-bootstrap: timers: disable [qvd-ha-backup.timer]: Access denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeSystemd{enabled: tc.enabled, active: map[string]bool{}, fail: tc.fail}
			useFakeSystemd(t, fake)
			if tc.connect != nil {
				connectSystemd = func(context.Context) (units.Manager, func(), error) { return nil, nil, tc.connect }
			}
			code, _, stderr := runTool(t, noRunner(t), append([]string{"-q", "timers"}, tc.args...)...)
			if code != exitFailed || !strings.HasPrefix(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitFailed, tc.want)
			}
		})
	}
}
