package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/fence/fencing/fencetest"
	"github.com/qvd-ha/qvd-ha/test/xenapisim"
)

// TestFenceXenapiParams: a fence_xenapi device switched to fence_qvd_xenapi
// keeps every parameter it sets; none is rejected as unknown.
func TestFenceXenapiParams(t *testing.T) {
	md, err := exec.Command(agentBin, "-o", "metadata").Output()
	if err != nil {
		t.Fatal(err)
	}
	baseline := map[string]string{"session_url": "https://xs1.example.com", "username": user, "plug": "qvddb1-vm"}
	values := map[string]string{"session_url": "https://xs1.example.com"}
	fencetest.CheckTwin(t, "/usr/sbin/fence_xenapi", md, baseline, values, func(t *testing.T, stdin string) (int, string) {
		o := runAgent(t, stdin)
		return o.rc, o.out
	})
}

// TestExitCodesAsFenceXenapi runs fence-agents' fence_xenapi and ours on the
// same command lines, each against its own fresh simulated pool: the exit
// codes and the VMs' power states afterwards must be the same.
func TestExitCodesAsFenceXenapi(t *testing.T) {
	const both = "qvddb1-vm,qvddb2-vm"
	cases := []struct {
		name string
		args []string
		url  string // instead of the simulator's
		rc   int
		// ours is the states ours leaves where it deliberately differs.
		ours string
	}{
		{name: "status on", args: []string{"-o", "status", "-n", "qvddb1-vm"}, rc: 0},
		{name: "status off", args: []string{"-o", "status", "-n", "qvddb2-vm"}, rc: 2},
		{name: "status of several plugs, one on", args: []string{"-o", "status", "-n", both}, rc: 0},
		{name: "status with another plug_separator", args: []string{"-o", "status", "-n", "qvddb2-vm+qvddb2-vm", "--plug-separator=+"}, rc: 2},
		{name: "off of several plugs", args: []string{"-o", "off", "-n", both}, rc: 0},
		// fencing.py reads several plugs as ON when any is, so its on
		// answers "Already ON" and leaves qvddb2-vm off; ours powers on
		// every plug that is off, as an administrator asking for on means.
		{name: "on of several plugs", args: []string{"-o", "on", "-n", both, "--retry-on=0"}, rc: 0, ours: "Running Running"},
		{name: "reboot", args: []string{"-o", "reboot", "-n", "qvddb1-vm"}, rc: 0},
		{name: "unknown VM", args: []string{"-o", "status", "-n", "no-such-vm"}, rc: 1},
		{name: "wrong password", args: []string{"-o", "status", "-n", "qvddb1-vm", "-p", "wrong"}, rc: 1},
		{name: "connection refused", args: []string{"-o", "status", "-n", "qvddb1-vm"}, url: "http://127.0.0.1:1", rc: 1},
		{name: "no plug", args: []string{"-o", "status"}, rc: 1},
		{name: "bad retry_on", args: []string{"-o", "on", "-n", "qvddb1-vm", "--retry-on=x"}, rc: 1},
		{name: "unknown action", args: []string{"-o", "explode", "-n", "qvddb1-vm"}, rc: 1},
		{name: "version", args: []string{"-V"}, rc: 0},
		{name: "quiet failure", args: []string{"-q", "-o", "status", "-n", "no-such-vm"}, rc: 1},
		{name: "verbose", args: []string{"-vv", "-o", "status", "-n", "qvddb1-vm"}, rc: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var states [2]string
			for i, bin := range []string{"/usr/sbin/fence_xenapi", agentBin} {
				pool := newPool(t)
				url := c.url
				if url == "" {
					url = serve(t, &xenapisim.Host{Pool: pool})
				}
				args := append([]string{"-s", url, "-l", user, "-p", password}, c.args...)
				cmd := exec.Command(bin, args...)
				cmd.Env = []string{"PATH=/usr/bin:/bin"}
				out, _ := cmd.CombinedOutput()
				if rc := cmd.ProcessState.ExitCode(); rc != c.rc {
					t.Errorf("%s %s: exit %d, want %d\n%s", filepath.Base(bin), strings.Join(c.args, " "), rc, c.rc, out)
				}
				states[i] = pool.PowerState("qvddb1-vm") + " " + pool.PowerState("qvddb2-vm")
			}
			if c.ours != "" {
				states[0] = c.ours
			}
			if states[0] != states[1] {
				t.Errorf("afterwards fence_xenapi left %s, ours %s", states[0], states[1])
			}
		})
	}
}
