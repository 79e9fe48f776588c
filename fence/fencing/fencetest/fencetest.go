// Package fencetest holds test helpers shared by the fence agents' tests.
package fencetest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/test/crmtest"
)

// Run runs the agent under test with name=value lines on stdin, the way
// Pacemaker's fencer does, and returns its exit code and stderr.
type Run func(t *testing.T, stdin string) (code int, stderr string)

// CheckTwin runs validate-all with every parameter of the installed upstream
// twin set, one at a time over baseline (the parameters a twin's device
// always has) and then all together. Each must be declared in our meta-data
// (crmsh rejects a parameter the meta-data lacks), be accepted without an
// "unknown option" warning, and, when ours only accepts and ignores it, say
// so. values overrides the value a parameter gets (default: the twin's
// default, else one of its type; debug_file a temporary file).
func CheckTwin(t *testing.T, twin string, ourMetadata []byte, baseline, values map[string]string, run Run) {
	t.Helper()
	var md struct {
		Params []struct {
			Name      string `xml:"name,attr"`
			Shortdesc string `xml:"shortdesc"`
		} `xml:"parameters>parameter"`
	}
	if err := xml.Unmarshal(ourMetadata, &md); err != nil {
		t.Fatalf("our meta-data: %v", err)
	}
	ignored := map[string]bool{}
	declared := map[string]bool{}
	for _, p := range md.Params {
		declared[p.Name] = true
		ignored[p.Name] = strings.Contains(p.Shortdesc, "(accepted and ignored:")
	}
	debugFile := filepath.Join(t.TempDir(), "debug.log")
	value := func(p crmtest.Param) string {
		if v, ok := values[p.Name]; ok {
			return v
		}
		// debug is debug_file's old name: a file, not a flag.
		if p.Name == "debug" || p.Name == "debug_file" {
			return debugFile
		}
		if p.Default != "" {
			return p.Default
		}
		if p.Type == "string" {
			return "x"
		}
		return "1"
	}
	lines := func(set map[string]string) string {
		var b strings.Builder
		for _, name := range slices.Sorted(maps.Keys(set)) {
			fmt.Fprintf(&b, "%s=%s\n", name, set[name])
		}
		return b.String() + "action=validate-all\n"
	}
	all := maps.Clone(baseline)
	for _, p := range crmtest.UpstreamParams(t, twin, "-o", "metadata") {
		if p.Name == "action" {
			continue
		}
		v := value(p)
		if p.Name != "help" && p.Name != "version" && p.Name != "quiet" {
			all[p.Name] = v
		}
		t.Run(p.Name, func(t *testing.T) {
			if !declared[p.Name] {
				t.Errorf("our meta-data does not declare %s: crmsh rejects a %s device that sets it", p.Name, twin)
			}
			set := maps.Clone(baseline)
			set[p.Name] = v
			code, stderr := run(t, lines(set))
			if code != 0 || strings.Contains(stderr, "unknown option") {
				t.Errorf("validate-all with %s=%s: exit %d, stderr %q", p.Name, v, code, stderr)
			}
			if ignored[p.Name] && p.Name != "quiet" && !strings.Contains(stderr, "is accepted and ignored: ") {
				t.Errorf("%s is declared ignored but validate-all does not say so: %q", p.Name, stderr)
			}
		})
	}
	t.Run("all together", func(t *testing.T) {
		code, stderr := run(t, lines(all))
		if code != 0 || strings.Contains(stderr, "unknown option") {
			t.Errorf("validate-all with every parameter of %s: exit %d, stderr %q", twin, code, stderr)
		}
	})
}

// Install puts the agent built for the tests where Pacemaker and crmsh look
// for it, and puts back what was there when the test ends.
func Install(t *testing.T, built, path string) {
	t.Helper()
	bin, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path)
	switch {
	case err == nil:
		t.Cleanup(func() {
			if err := os.WriteFile(path, old, 0o755); err != nil {
				t.Errorf("restore %s: %v", path, err)
			}
		})
	case errors.Is(err, fs.ErrNotExist):
		t.Cleanup(func() { os.Remove(path) })
	default:
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		t.Fatal(err)
	}
}

// CRMShellAcceptsTwin loads, with crmsh into an offline CIB, a stonith
// primitive of the installed agent that sets every parameter of its
// upstream twin, and checks that crmsh still rejects one the agent does not
// declare, so that the check is real.
func CRMShellAcceptsTwin(t *testing.T, agent, twin string) {
	t.Helper()
	args := []string{"configure", "primitive", "f1", "stonith:" + agent, "params"}
	for _, p := range crmtest.UpstreamParams(t, twin, "-o", "metadata") {
		if p.Name == "action" {
			continue
		}
		v := "1"
		if p.Type == "string" {
			v = "x"
		}
		args = append(args, p.Name+"="+v)
	}
	cib := crmtest.OfflineCIB(t)
	out, err := crmtest.Crm(cib, args...)
	if err != nil {
		t.Errorf("crm %s: %v", strings.Join(args, " "), err)
	}
	for _, line := range crmtest.Complaints(out) {
		t.Errorf("crm configure primitive with every %s parameter: %s", twin, line)
	}
	out, err = crmtest.Crm(cib, "configure", "primitive", "f2", "stonith:"+agent, "params", "plug=x", "no_such_parameter=1")
	if err == nil || !strings.Contains(out, `parameter "no_such_parameter" is not known`) {
		t.Errorf("crmsh accepted an undeclared parameter (err %v): %s", err, out)
	}
}
