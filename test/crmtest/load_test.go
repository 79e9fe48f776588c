//go:build root

package crmtest

import (
	"strings"
	"testing"
)

// TestLoad: a primitive of a stock agent loads into the offline CIB without
// a complaint (OfflineCIB's own warning about fencing is none), and
// crmsh still refuses a parameter its meta-data does not declare (the
// refusal every drop-in test relies on).
func TestLoad(t *testing.T) {
	cib := OfflineCIB(t)
	if out, err := Load(t, cib, "primitive vip ocf:heartbeat:IPaddr2 params ip=192.0.2.10\n"); err != nil || len(Complaints(out)) > 0 {
		t.Fatalf("crm configure load: %v\n%s", err, out)
	}
	shown, err := Crm(cib, "configure", "show", "vip")
	if err != nil || !strings.Contains(shown, "ip=192.0.2.10") {
		t.Fatalf("crm configure show vip: %v\n%s", err, shown)
	}
	out, err := Crm(cib, "configure", "primitive", "vip2", "ocf:heartbeat:IPaddr2", "params", "ip=192.0.2.11", "no_such_parameter=1")
	if err == nil || !strings.Contains(out, `"no_such_parameter" is not known`) {
		t.Errorf("crmsh accepted an undeclared parameter (err %v): %s", err, out)
	}
}
