//go:build root

package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/test/crmtest"
)

// installed is where crmsh and Pacemaker look for the agent.
const installed = "/usr/lib/ocf/resource.d/qvd/IPaddr"

// TestCRMShellAcceptsIPaddr2Params: crmsh loads a primitive of provider qvd
// that sets every parameter of the installed IPaddr2, and still rejects one
// it does not know (so the check is real). crmsh reads the meta-data of the
// installed agent: make install, or go build -o the path above, first.
func TestCRMShellAcceptsIPaddr2Params(t *testing.T) {
	ours, err := exec.Command(agentBin, "meta-data").Output()
	if err != nil {
		t.Fatalf("meta-data: %v", err)
	}
	crmtest.RequireInstalled(t, installed, ours)

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
	cib := crmtest.OfflineCIB(t)
	out, err := crmtest.Crm(cib, args...)
	if err != nil {
		t.Errorf("crm %s: %v", strings.Join(args, " "), err)
	}
	for _, line := range crmtest.Complaints(out) {
		t.Errorf("crm configure primitive with every IPaddr2 parameter: %s", line)
	}

	out, err = crmtest.Crm(cib, "configure", "primitive", "vip2", "ocf:qvd:IPaddr", "params", "ip=192.0.2.101", "netmask=24")
	if err == nil || !strings.Contains(out, `parameter "netmask" is not known`) {
		t.Errorf("crmsh accepted an undeclared parameter (err %v): %s", err, out)
	}
}
