// Package crmtest holds what the drop-in tests of the agents and fence
// agents need from crmsh and from the upstream agents they replace: an
// offline CIB, crmsh run on it, and an installed agent's parameters.
//
// crmsh checks a primitive's parameters against the meta-data of the
// INSTALLED agent, so these tests need make install first.
package crmtest

import (
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Param is one parameter of an installed agent's meta-data.
type Param struct {
	Name    string
	Type    string // string, boolean, integer, second, select
	Default string
}

// UpstreamParams runs an installed agent's meta-data action (an OCF agent:
// path "meta-data"; a fence agent: path "-o" "metadata") and returns its
// parameters, so that a test can set each of them on ours.
func UpstreamParams(t testing.TB, path string, args ...string) []Param {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "OCF_ROOT=/usr/lib/ocf", "OCF_FUNCTIONS_DIR=/usr/lib/ocf/lib/heartbeat")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v", path, strings.Join(args, " "), err)
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
	var ps []Param
	for _, p := range md.Params {
		ps = append(ps, Param{Name: p.Name, Type: p.Content.Type, Default: p.Content.Default})
	}
	if len(ps) == 0 {
		t.Fatalf("%s meta-data: no parameters", path)
	}
	return ps
}

// OfflineCIB is an empty, quorate CIB file with fencing disabled, so that
// crmsh's verification speaks only of what the test loads.
func OfflineCIB(t testing.TB) string {
	t.Helper()
	empty, err := exec.Command("/usr/sbin/cibadmin", "--empty").Output()
	if err != nil {
		t.Fatalf("cibadmin --empty: %v", err)
	}
	file := filepath.Join(t.TempDir(), "cib.xml")
	cib := strings.Replace(string(empty), "<cib ", `<cib have-quorum="1" `, 1)
	if err := os.WriteFile(file, []byte(cib), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := Crm(file, "configure", "property", "stonith-enabled=false"); err != nil {
		t.Fatalf("crm configure property: %v\n%s", err, out)
	}
	return file
}

var colours = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// Crm runs crmsh on a CIB file and returns its output without colours.
func Crm(cib string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/sbin/crm", args...)
	cmd.Env = append(os.Environ(), "CIB_file="+cib)
	out, err := cmd.CombinedOutput()
	return colours.ReplaceAllString(string(out), ""), err
}

// Load runs crm configure load update with text (crm shell syntax) on a
// CIB file.
func Load(t testing.TB, cib, text string) (string, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "load.crm")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return Crm(cib, "configure", "load", "update", file)
}

// stamp is the version make install links into an agent.
var stamp = regexp.MustCompile(`(<resource-agent name="[^"]*" version=")[^"]*(")`)

// RequireInstalled fails the test unless the agent installed at path
// prints the meta-data of this build (ours), but for the version make
// install stamps into it: crmsh reads the installed agent's meta-data.
func RequireInstalled(t testing.TB, path string, ours []byte) {
	t.Helper()
	theirs, err := exec.Command(path, "meta-data").Output()
	unstamp := func(b []byte) []byte { return stamp.ReplaceAll(b, []byte("${1}${2}")) }
	if err != nil || string(unstamp(theirs)) != string(unstamp(ours)) {
		t.Fatalf("%s is missing or not this build (%v): run make install first", path, err)
	}
}

// Complaints are the lines of crmsh's output that report a problem, but
// for the warning about stonith-enabled=false, which OfflineCIB sets.
func Complaints(out string) []string {
	var lines []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "Blind faith") {
			continue
		}
		if strings.Contains(line, "ERROR") || strings.Contains(line, "WARNING") {
			lines = append(lines, line)
		}
	}
	return lines
}
