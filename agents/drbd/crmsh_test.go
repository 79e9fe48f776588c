//go:build root

package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/test/crmtest"
)

// TestCrmshLoadsLinbitPrimitive loads, with crmsh into an offline CIB, a
// promotable clone of a primitive that sets every parameter of
// ocf:linbit:drbd with the provider changed to qvd. crmsh reads the
// INSTALLED agent's meta-data, so the test first checks that it is this
// build.
func TestCrmshLoadsLinbitPrimitive(t *testing.T) {
	const installed = "/usr/lib/ocf/resource.d/qvd/drbd"
	var ours bytes.Buffer
	d := ocf.Dispatcher{Stdout: &ours, Stderr: &bytes.Buffer{}}
	if rc := d.Run(&agent, []string{"drbd", "meta-data"}); rc != ocf.Success {
		t.Fatalf("meta-data: rc %v", rc)
	}
	crmtest.RequireInstalled(t, installed, ours.Bytes())
	var line strings.Builder
	line.WriteString("primitive p_drbd ocf:qvd:drbd params")
	for _, up := range crmtest.UpstreamParams(t, linbit, "meta-data") {
		v := up.Default
		if up.Name == "drbd_resource" {
			v = "r0"
		}
		fmt.Fprintf(&line, " %s=\"%s\"", up.Name, v)
	}
	line.WriteString(" op monitor interval=10 role=Promoted timeout=20 op monitor interval=20 role=Unpromoted timeout=20" +
		" op start timeout=240 interval=0 op stop timeout=100 interval=0 op promote timeout=60 interval=0" +
		" op demote timeout=30 interval=0 op notify timeout=30 interval=0 op reload timeout=30 interval=0\n" +
		"clone ms_drbd p_drbd meta promotable=true promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1 notify=true\n")
	cib := crmtest.OfflineCIB(t)
	out, err := crmtest.Load(t, cib, line.String())
	// crmsh names the primitive in every complaint about it, "parameter
	// ... is not known" included.
	if err != nil || strings.Contains(out, "ERROR") || strings.Contains(out, "p_drbd") {
		t.Fatalf("crm configure load: %v\n%s", err, out)
	}
	shown, err := crmtest.Crm(cib, "configure", "show", "p_drbd")
	if err != nil || !strings.Contains(shown, "ocf:qvd:drbd") || !strings.Contains(shown, "connect_only_after_promote") {
		t.Fatalf("crm configure show p_drbd: %v\n%s", err, shown)
	}
}
