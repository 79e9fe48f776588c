//go:build root

package cluster

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// standIn starts what InitPID looks for, a node-init that is PID 1 of its
// own mount, UTS and PID namespaces, without the rest of a node: the
// runner needs no more.
func standIn(t *testing.T) *Node {
	t.Helper()
	n := &Node{Name: "stand-in", Dir: t.TempDir()}
	if err := os.WriteFile(n.initPath(), []byte("#!/bin/sh\nhostname stand-in\nread x\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("unshare", "--mount", "--uts", "--pid", "--fork", "--mount-proc", n.initPath())
	stdin, err := cmd.StdinPipe() // node-init ends when it closes
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		res, err := n.runInside(ctx, runner.Cmd{Path: "hostname"})
		if err == nil && string(res.Stdout) == "stand-in\n" {
			return n
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the stand-in node did not come up: %v, %q", err, res.Stdout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestRunInside(t *testing.T) {
	n := standIn(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	tests := []struct {
		name       string
		cmd        runner.Cmd
		stdout     string
		exitCode   int    // 0: no error
		errMessage string // for an error that is no exit status
	}{
		{"stdout apart from stderr", runner.Cmd{Path: "sh", Args: []string{"-c", "echo out; echo err >&2"}}, "out\n", 0, ""},
		{"exit status, named after the command", runner.Cmd{Path: "sh", Args: []string{"-c", "echo out; echo err >&2; exit 3"}}, "out\n", 3, ""},
		{"environment and directory", runner.Cmd{Path: "sh", Args: []string{"-c", `echo "$X $(pwd)"`}, Env: []string{"X=y"}, Dir: "/usr/sbin"}, "y /usr/sbin\n", 0, ""},
		{"another user", runner.Cmd{Path: "sh", Credential: &syscall.Credential{Uid: 65534}}, "", -1, "nsenter runs commands as root only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := n.runInside(ctx, tt.cmd)
			var exit *runner.ExitError
			switch {
			case tt.errMessage != "":
				if err == nil || !strings.Contains(err.Error(), tt.errMessage) {
					t.Errorf("error %v, want %q", err, tt.errMessage)
				}
				return
			case tt.exitCode != 0:
				if !errors.As(err, &exit) || exit.Code != tt.exitCode || exit.Cmd != tt.cmd.Path || strings.TrimSpace(exit.Stderr) != "err" {
					t.Errorf("error %#v, want %s's exit status %d with its stderr", err, tt.cmd.Path, tt.exitCode)
				}
			case err != nil:
				t.Fatal(err)
			}
			if string(res.Stdout) != tt.stdout {
				t.Errorf("stdout %q, want %q", res.Stdout, tt.stdout)
			}
		})
	}

	// What Status runs: crm_mon inside the node, here on an offline CIB.
	cib, err := os.ReadFile("../../internal/pcmk/testdata/cib-running.xml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(file, cib, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := pcmk.Tools{Run: runner.Func(n.runInside), Env: []string{"CIB_file=" + file}}.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(st.Where("p_postgres"), ", "); got != "Started qvddb1" {
		t.Errorf("p_postgres is %q, want Started qvddb1", got)
	}
}

func TestRunInsideDownNode(t *testing.T) {
	n := &Node{Name: "off", Dir: t.TempDir()}
	if _, err := n.runInside(context.Background(), runner.Cmd{Path: "sh"}); err == nil || !strings.Contains(err.Error(), "node off is down") {
		t.Errorf("error %v, want the node down", err)
	}
}
