package cib

import (
	"cmp"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/internal/xmltree"
	"github.com/qvd-ha/qvd-ha/internal/runner"
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

// TestRootAttributes: the CIB's root carries every attribute the installed
// Pacemaker writes on an empty CIB, with a feature set and schema no newer
// than its own, so its tools load the file (a newer feature set is refused).
func TestRootAttributes(t *testing.T) {
	empty, err := xmltree.Parse(pcmk(t, nil, "cibadmin", "--empty").Stdout)
	if err != nil {
		t.Fatal(err)
	}
	data, err := Build(variants[0].config(t)).XML()
	if err != nil {
		t.Fatal(err)
	}
	ours, err := xmltree.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	for name := range empty.Attrs {
		if _, ok := ours.Attrs[name]; !ok {
			t.Errorf("the generated root lacks %s (cibadmin --empty writes %q)", name, empty.Attr(name))
		}
	}
	for _, tc := range []struct{ attr, prefix string }{
		{"crm_feature_set", ""},
		{"validate-with", "pacemaker-"},
	} {
		got, installed := ours.Attr(tc.attr), empty.Attr(tc.attr)
		if compareVersions(t, strings.TrimPrefix(got, tc.prefix), strings.TrimPrefix(installed, tc.prefix)) > 0 {
			t.Errorf("%s %s is newer than the installed Pacemaker's %s", tc.attr, got, installed)
		}
	}
}

// compareVersions compares dotted version numbers as Pacemaker does.
func compareVersions(t *testing.T, a, b string) int {
	t.Helper()
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			x = atoi(t, as[i])
		}
		if i < len(bs) {
			y = atoi(t, bs[i])
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return 0
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("version part %q: %v", s, err)
	}
	return n
}
