package main

import (
	"bytes"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/agents/ocf/ocftest"
	"github.com/qvd-ha/qvd-ha/test/gobuild"
)

// agentBin is the agent built once for the tests that exec it.
var agentBin string

func TestMain(m *testing.M) {
	gobuild.Main(m, &agentBin, "IPaddr")
}

// env turns parameters into OCF_RESKEY_ variables. The action "probe" is a
// monitor with interval 0; "monitor" is a recurring one.
func env(action string, params map[string]string) (string, []string) {
	var vars []string
	for k, v := range params {
		vars = append(vars, "OCF_RESKEY_"+k+"="+v)
	}
	sort.Strings(vars)
	switch action {
	case "probe":
		action = "monitor"
	case "monitor":
		vars = append(vars, "OCF_RESKEY_CRM_meta_interval=10000")
	}
	return action, vars
}

// run carries out one action in-process with the thread inside n, and
// returns the exit code and the last exit reason.
func (n *netNS) run(t testing.TB, action string, params map[string]string) (ocf.RC, string) {
	t.Helper()
	action, vars := env(action, params)
	var stderr bytes.Buffer
	d := ocf.Dispatcher{Env: vars, Stdout: &bytes.Buffer{}, Stderr: &stderr, Pid: os.Getpid()}
	var rc ocf.RC
	n.do(t, func() { rc = d.Run(&agent, []string{"IPaddr", action}) })
	return rc, ocftest.ExitReason(stderr.String())
}

// runBin execs the built agent in n with exactly the variables given (no
// PATH unless the caller passes one).
func (n *netNS) runBin(t testing.TB, action string, params map[string]string, extra ...string) (ocf.RC, string) {
	t.Helper()
	action, vars := env(action, params)
	cmd := exec.Command(agentBin, action)
	cmd.Env = append(vars, extra...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	var err error
	n.do(t, func() { err = cmd.Run() })
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("running %s %s: %v", agentBin, action, err)
	}
	return ocf.RC(cmd.ProcessState.ExitCode()), ocftest.ExitReason(stderr.String())
}

// step is one action and what it must return; a non-empty reason must
// appear in the exit reason.
type step struct {
	action string
	rc     ocf.RC
	reason string
}

func (n *netNS) expect(t testing.TB, params map[string]string, steps ...step) {
	t.Helper()
	for i, s := range steps {
		rc, reason := n.run(t, s.action, params)
		if rc != s.rc {
			t.Fatalf("step %d: %s returned %v (reason %q), want %v", i, s.action, rc, reason, s.rc)
		}
		if !strings.Contains(reason, s.reason) {
			t.Fatalf("step %d: %s gave the reason %q, want it to mention %q", i, s.action, reason, s.reason)
		}
	}
}
