// Package fencetest holds test helpers shared by the fence agents' tests.
package fencetest

import (
	"encoding/xml"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// UpstreamParam is one parameter of an installed fence-agents agent.
type UpstreamParam struct {
	Name    string
	Type    string // string, boolean, integer, second, select
	Default string
}

// UpstreamParams reads the parameters of an installed fence-agents agent (a
// path such as /usr/sbin/fence_virsh), old and new spellings alike, so that
// tests can check that a device configured for it loads on ours.
func UpstreamParams(t testing.TB, path string) []UpstreamParam {
	t.Helper()
	out, err := exec.Command(path, "-o", "metadata").Output()
	if err != nil {
		t.Fatalf("%s -o metadata: %v (Debian package fence-agents)", path, err)
	}
	var md struct {
		Params []struct {
			Name    string `xml:"name,attr"`
			Content struct {
				Type    string `xml:"type,attr"`
				Default string `xml:"default,attr"`
			} `xml:"content"`
		} `xml:"parameters>parameter"`
	}
	if err := xml.Unmarshal(out, &md); err != nil {
		t.Fatalf("%s meta-data: %v", path, err)
	}
	var ps []UpstreamParam
	for _, p := range md.Params {
		ps = append(ps, UpstreamParam{Name: p.Name, Type: p.Content.Type, Default: p.Content.Default})
	}
	if len(ps) == 0 {
		t.Fatalf("%s meta-data: no parameters", path)
	}
	return ps
}

// Run runs the agent under test with name=value lines on stdin, the way
// Pacemaker's fencer does, and returns its exit code and stderr.
type Run func(t *testing.T, stdin string) (code int, stderr string)

// CheckTwin runs validate-all with every parameter of the installed upstream
// twin set, one at a time over baseline (the parameters a twin's device
// always has) and then all together. Each must be declared in our meta-data
// (crmsh rejects a parameter the meta-data lacks), be accepted without an
// "unknown option" warning, and, when ours only accepts and ignores it, say
// so. values overrides the value a parameter gets (default: the twin's
// default, else one of its type).
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
	value := func(p UpstreamParam) string {
		if v, ok := values[p.Name]; ok {
			return v
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
	for _, p := range UpstreamParams(t, twin) {
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
