package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
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
