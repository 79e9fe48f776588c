package cib

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/runner"
)

var update = flag.Bool("update", false, "rewrite testdata/*.crm golden files")

// pcmk runs a Pacemaker tool (pacemaker-cli-utils) under a deadline and
// fails the test when it cannot run or exits non-zero.
func pcmk(t *testing.T, env []string, name string, args ...string) runner.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := runner.Exec{}.Run(ctx, runner.Cmd{Path: "/usr/sbin/" + name, Args: args, Env: env})
	if err != nil {
		t.Fatalf("%s %v: %v\n%s%s", name, args, err, res.Stdout, res.Stderr)
	}
	return res
}

// writeCIB writes data into a fresh temporary file and returns its path.
func writeCIB(t *testing.T, name string, data []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestCRMVerifyClean: crm_verify -V reports nothing for every variant.
func TestCRMVerifyClean(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			data, err := Build(v.config(t)).XML()
			if err != nil {
				t.Fatal(err)
			}
			res := pcmk(t, nil, "crm_verify", "-V", "-x", writeCIB(t, "cib.xml", data))
			if out := string(res.Stdout) + string(res.Stderr); out != "" {
				t.Errorf("crm_verify -V reported:\n%s", out)
			}
		})
	}
}

// TestGolden pins the crm shell spelling of every variant (the default one
// is crm/qvd-ha.crm, checked by the bootstrap command's tests).
func TestGolden(t *testing.T) {
	for _, v := range variants[1:] {
		t.Run(v.name, func(t *testing.T) {
			got := Build(v.config(t)).CRM()
			file := filepath.Join("testdata", v.name+".crm")
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (create it with: go test ./bootstrap/cib -run TestGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the generator; after checking the change: go test ./bootstrap/cib -run TestGolden -update", file)
			}
		})
	}
}
