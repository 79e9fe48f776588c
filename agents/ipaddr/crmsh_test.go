package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// installed is where crmsh and Pacemaker look for the agent.
const installed = "/usr/lib/ocf/resource.d/qvd/IPaddr"

// crm runs crmsh on the CIB file; it returns the output without colours.
func crm(t *testing.T, cib string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/sbin/crm", args...)
	cmd.Env = append(os.Environ(), "CIB_file="+cib)
	out, err := cmd.CombinedOutput()
	return regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(string(out), ""), err
}

// offlineCIB is an empty, quorate CIB file without fencing, so that crmsh's
// verification speaks only of the primitive under test.
func offlineCIB(t *testing.T) string {
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
	if out, err := crm(t, file, "configure", "property", "stonith-enabled=false"); err != nil {
		t.Fatalf("crm configure property: %v\n%s", err, out)
	}
	return file
}

// TestCRMShellAcceptsIPaddr2Params: crmsh loads a primitive of provider qvd
// that sets every parameter of the installed IPaddr2, and still rejects one
// it does not know (so the check is real). crmsh reads the meta-data of the
// installed agent: make install, or go build -o the path above, first.
func TestCRMShellAcceptsIPaddr2Params(t *testing.T) {
	ours, err := exec.Command(agentBin, "meta-data").Output()
	if err != nil {
		t.Fatalf("meta-data: %v", err)
	}
	theirs, err := exec.Command(installed, "meta-data").Output()
	// make install stamps its own version.
	unstamped := regexp.MustCompile(`<resource-agent name="IPaddr" version="[^"]*">`)
	if err != nil || !bytes.Equal(unstamped.ReplaceAll(ours, nil), unstamped.ReplaceAll(theirs, nil)) {
		t.Fatalf("%s is missing or older than this tree (%v): make install first", installed, err)
	}

	args := []string{"configure", "primitive", "vip", "ocf:qvd:IPaddr", "params"}
	set := map[string]bool{}
	for _, up := range upstreamParamNames(t) {
		for _, v := range upstreamValues {
			if v.name == up && !set[up] {
				set[up] = true
				value := v.value
				if value == ownNamespace {
					value = "qvd"
				}
				args = append(args, up+"="+value)
			}
		}
	}
	cib := offlineCIB(t)
	out, err := crm(t, cib, args...)
	if err != nil {
		t.Errorf("crm %s: %v", strings.Join(args, " "), err)
	}
	for _, line := range strings.Split(out, "\n") {
		// stonith-enabled=false's own warning, which the test set.
		if strings.Contains(line, "Blind faith") {
			continue
		}
		if strings.Contains(line, "ERROR") || strings.Contains(line, "WARNING") {
			t.Errorf("crm configure primitive with every IPaddr2 parameter: %s", line)
		}
	}

	out, err = crm(t, cib, "configure", "primitive", "vip2", "ocf:qvd:IPaddr", "params", "ip=192.0.2.101", "netmask=24")
	if err == nil || !strings.Contains(out, `parameter "netmask" is not known`) {
		t.Errorf("crmsh accepted an undeclared parameter (err %v): %s", err, out)
	}
}
