package guestcluster

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// The line the guest's sh runs gives the command exactly its arguments
// and environment: checked with this machine's sh, which the guest's is.
func TestShellLine(t *testing.T) {
	const printArgs = `printf '%s|' "$@"`
	tests := []struct {
		name string
		cmd  runner.Cmd
		want string // what the command prints
	}{
		{"plain", runner.Cmd{Path: "sh", Args: []string{"-c", printArgs, "sh", "crm_mon", "--output-as=xml"}}, "crm_mon|--output-as=xml|"},
		{"quotes and spaces", runner.Cmd{Path: "sh", Args: []string{"-c", printArgs, "sh", "it's", "a b", `"$HOME"`, "`x`", ";exit 3"}}, "it's|a b|\"$HOME\"|`x`|;exit 3|"},
		{"environment", runner.Cmd{Path: "sh", Args: []string{"-c", `printf %s "$OCF_RESOURCE_INSTANCE/$CIB_file"`},
			Env: []string{"OCF_RESOURCE_INSTANCE=p_drbd_postgres", "CIB_file=/tmp/a b'c.xml"}}, "p_drbd_postgres//tmp/a b'c.xml"},
		{"directory", runner.Cmd{Path: "sh", Args: []string{"-c", "pwd"}, Dir: "/usr/sbin"}, "/usr/sbin\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, err := shellLine(tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := runner.Exec{}.Run(ctx, runner.Cmd{Path: "/bin/sh", Args: []string{"-c", line}})
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			if got := string(res.Stdout); got != tt.want {
				t.Errorf("%s printed %q, want %q", line, got, tt.want)
			}
		})
	}
}

func TestShellLineRefuses(t *testing.T) {
	for name, cmd := range map[string]runner.Cmd{
		"stdin":  {Path: "sh", Stdin: strings.NewReader("x")},
		"stdout": {Path: "sh", Stdout: &strings.Builder{}},
	} {
		if line, err := shellLine(cmd); err == nil {
			t.Errorf("%s: %q, want an error", name, line)
		}
	}
}
