// Package ocftest holds the checks every agent's tests make the same way.
package ocftest

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// ExitReason is the last ocf-exit-reason line of an agent's stderr: the one
// crm_mon shows.
func ExitReason(stderr string) string {
	var reason string
	for _, l := range strings.Split(stderr, "\n") {
		if r, ok := strings.CutPrefix(l, "ocf-exit-reason:"); ok {
			reason = r
		}
	}
	return reason
}

// ValidateMetadata checks meta-data against both schemas resource-agents
// installs: the DTD ocf-tester checks and metadata.rng.
func ValidateMetadata(t testing.TB, metadata []byte) {
	t.Helper()
	for _, args := range [][]string{
		{"--noout", "--valid", "-"},
		{"--noout", "--relaxng", "/usr/share/resource-agents/metadata.rng", "-"},
	} {
		cmd := exec.Command("xmllint", args...)
		// The DOCTYPE names ra-api-1.dtd relative to this directory.
		cmd.Dir = "/usr/share/resource-agents"
		cmd.Stdin = bytes.NewReader(metadata)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("xmllint %v: %v\n%s", args, err, out)
		}
	}
}

// UpstreamParam is one parameter of an upstream agent's meta-data.
type UpstreamParam struct {
	Name    string
	Type    string
	Default string
}

// UpstreamParams reads the parameters of an installed agent (a path such as
// /usr/lib/ocf/resource.d/heartbeat/pgsql), so that tests can check that a
// configuration written for it loads on ours.
func UpstreamParams(t testing.TB, path string) []UpstreamParam {
	t.Helper()
	cmd := exec.Command(path, "meta-data")
	cmd.Env = append(os.Environ(), "OCF_ROOT=/usr/lib/ocf", "OCF_FUNCTIONS_DIR=/usr/lib/ocf/lib/heartbeat")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s meta-data: %v", path, err)
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
