package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/internal/xmltree"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// liveCIB stands in for a running two-node cluster: CIB_file points every
// Pacemaker tool apply runs at a file with both nodes online, ping answering
// and DRBD UpToDate on both, and a cluster option the cluster set itself.
func liveCIB(t *testing.T) string {
	t.Helper()
	file := emptyCIB(t)
	data := readFile(t, file)
	var status strings.Builder
	status.WriteString("<status>")
	for i, n := range []string{"qvddb1", "qvddb2"} {
		id := i + 1
		status.WriteString(strings.NewReplacer("ID", string(rune('0'+id)), "NAME", n).Replace(
			`<node_state id="ID" uname="NAME" in_ccm="true" crmd="online" join="member" expected="member">` +
				`<transient_attributes id="ID"><instance_attributes id="status-ID">` +
				`<nvpair id="status-ID-pingd" name="pingd" value="100"/>` +
				`<nvpair id="status-ID-master" name="master-p_drbd_postgres" value="10000"/>` +
				`</instance_attributes></transient_attributes></node_state>`))
	}
	status.WriteString("</status>")
	doc := strings.Replace(string(data), "<status/>", status.String(), 1)
	doc = strings.Replace(doc, "<crm_config/>", `<crm_config><cluster_property_set id="cib-bootstrap-options">`+
		`<nvpair id="cib-bootstrap-options-cluster-infrastructure" name="cluster-infrastructure" value="corosync"/>`+
		`</cluster_property_set></crm_config>`, 1)
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CIB_file", file)
	return file
}

// settle runs the cluster's transition on the file, as the live cluster
// would after a change, so that the resources are running.
func settle(t *testing.T, file string) {
	t.Helper()
	next := filepath.Join(t.TempDir(), "settled.xml")
	exec(t, nil, "/usr/sbin/crm_simulate", "-x", file, "-S", "-O", next)
	if err := os.WriteFile(file, readFile(t, next), 0o600); err != nil {
		t.Fatal(err)
	}
}

func loadedConfiguration(t *testing.T, file string) *xmltree.Elem {
	t.Helper()
	root, err := xmltree.Parse(readFile(t, file))
	if err != nil {
		t.Fatal(err)
	}
	return root.Find("configuration")[0]
}

func TestApply(t *testing.T) {
	file := liveCIB(t)

	// A fresh cluster: only starts, applied without --yes.
	code, out, stderr := runTool(t, runner.Exec{}, "-q", "apply")
	if code != 0 || !strings.Contains(out, "Start "+cib.IDPgSQL+" ( qvddb1 )") {
		t.Fatalf("first apply: exit %d\n%s%s", code, out, stderr)
	}
	conf := loadedConfiguration(t, file)
	if len(conf.Find("resources/group[@id='"+cib.IDGroup+"']")) != 1 ||
		len(conf.Find("crm_config/cluster_property_set/nvpair[@name='cluster-infrastructure'][@value='corosync']")) != 1 ||
		len(conf.Find("crm_config/cluster_property_set/nvpair[@name='priority-fencing-delay']")) != 1 {
		t.Fatalf("the cluster's configuration after apply:\n%s", conf.Canonical())
	}
	settle(t, file)

	// Twice: nothing to do, nothing written.
	before := readFile(t, file)
	code, out, stderr = runTool(t, runner.Exec{}, "-q", "apply")
	if code != 0 || !strings.Contains(out, "nothing to do") {
		t.Errorf("second apply: exit %d\n%s%s", code, out, stderr)
	}
	if string(readFile(t, file)) != string(before) {
		t.Error("the second apply changed the CIB")
	}

	// A change that restarts PostgreSQL: refused without --yes.
	code, out, stderr = runTool(t, runner.Exec{}, "-q", "--set", "pgsql.port=5433", "apply")
	if code != 1 || !strings.Contains(stderr, "not applied: the database would stop or move") ||
		!strings.Contains(stderr, cib.IDPgSQL) {
		t.Errorf("disruptive apply without --yes: exit %d\n%s%s", code, out, stderr)
	}
	if string(readFile(t, file)) != string(before) {
		t.Error("a refused apply changed the CIB")
	}
	code, out, stderr = runTool(t, runner.Exec{}, "-q", "--set", "pgsql.port=5433", "apply", "--yes")
	if code != 0 || !strings.Contains(out, "Configuration loaded") {
		t.Errorf("apply --yes: exit %d\n%s%s", code, out, stderr)
	}
	port := loadedConfiguration(t, file).Find("resources/group/primitive[@id='" + cib.IDPgSQL + "']/instance_attributes/nvpair[@name='pgport']")
	if len(port) != 1 || port[0].Attr("value") != "5433" {
		t.Errorf("pgport after apply --yes: %v", port)
	}
	settle(t, file)

	// A change that only moves the preference: the database stays, so no
	// --yes is needed (no failback).
	code, out, stderr = runTool(t, runner.Exec{}, "-q", "--set", "pgsql.port=5433", "--set", "preferred_node=qvddb2", "apply")
	if code != 0 || !strings.Contains(out, "nothing starts, stops or moves") {
		t.Errorf("preference change: exit %d\n%s%s", code, out, stderr)
	}
}

func TestApplyBadConfigTouchesNothing(t *testing.T) {
	code, _, _ := runTool(t, noRunner(t), "-q", "--set", "fencing=none", "apply")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}
