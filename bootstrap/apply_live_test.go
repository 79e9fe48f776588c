//go:build root

package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/internal/xmltree"
	"github.com/qvd-ha/qvd-ha/internal/runner"
	"github.com/qvd-ha/qvd-ha/test/cluster"
)

// inNode runs every command inside a node of the namespace cluster, as if
// the tool ran there. Files stay shared: the node's /tmp is the host's.
func inNode(n *cluster.Node) runner.Runner {
	return runner.Func(func(ctx context.Context, c runner.Cmd) (runner.Result, error) {
		pid := n.InitPID()
		if pid == 0 {
			return runner.Result{}, fmt.Errorf("node %s is down", n.Name)
		}
		c.Args = append([]string{"-t", strconv.Itoa(pid), "-m", "-n", "-u", "-p", "--", c.Path}, c.Args...)
		c.Path = "nsenter"
		return runner.Exec{}.Run(ctx, c)
	})
}

// TestApplyLive: apply against a real running cluster (corosync and
// pacemakerd in namespaces). A database resource that is running and would
// stop is not touched without --yes, and the preview says why; once nothing
// would stop (both nodes in standby) the configuration loads, the nodes'
// own attributes stay, and a second run changes nothing, not even the
// CIB's epoch.
func TestApplyLive(t *testing.T) {
	c := cluster.New(t)
	n1 := c.Nodes[0]
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	must := func(args ...string) string {
		t.Helper()
		out, err := n1.Exec(ctx, args...)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	// What ran before: the database as a Dummy in the same group.
	must("cibadmin", "--replace", "--scope", "configuration", "--xml-text", `<configuration>
  <crm_config><cluster_property_set id="cib-bootstrap-options">
    <nvpair id="o-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes/>
  <resources><group id="g_postgres"><primitive id="p_postgres" class="ocf" provider="pacemaker" type="Dummy"/></group></resources>
  <constraints/>
</configuration>`)
	waitRole(t, ctx, n1, "p_postgres", "Started")
	before := cibEpoch(t, must("cibadmin", "--query"))

	code, out, stderr := runTool(t, inNode(n1), "-q", "apply")
	if code != exitFailed || !strings.Contains(stderr, "not applied: the database would stop or move") ||
		!strings.Contains(out, "What the cluster would do:") || !strings.Contains(out, "p_postgres") {
		t.Fatalf("apply over a running database: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	if after := cibEpoch(t, must("cibadmin", "--query")); after != before {
		t.Errorf("a refused apply changed the CIB: epoch %s, before %s", after, before)
	}
	waitRole(t, ctx, n1, "p_postgres", "Started")

	for _, n := range c.Nodes {
		must("crm_attribute", "--type", "nodes", "--node", n.Name, "--name", "standby", "--update", "on")
	}
	waitRole(t, ctx, n1, "p_postgres", "Stopped")
	code, out, stderr = runTool(t, inNode(n1), "-q", "apply")
	if code != 0 || !strings.Contains(out, "Configuration loaded.") {
		t.Fatalf("apply with both nodes in standby: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	root, err := xmltree.Parse([]byte(must("cibadmin", "--query")))
	if err != nil {
		t.Fatal(err)
	}
	for _, xpath := range []string{
		"configuration/resources/clone[@id='ms_drbd_postgres']",
		"configuration/resources/group[@id='g_postgres']/primitive[@id='p_postgres'][@provider='qvd']",
		"configuration/crm_config/cluster_property_set/nvpair[@name='stonith-enabled'][@value='true']",
		"configuration/nodes/node[@uname='qvddb1']/instance_attributes/nvpair[@name='standby'][@value='on']",
	} {
		if len(root.Find(xpath)) != 1 {
			t.Errorf("the live CIB after apply lacks %s", xpath)
		}
	}
	loaded := cibEpoch(t, must("cibadmin", "--query"))
	code, out, stderr = runTool(t, inNode(n1), "-q", "apply")
	if code != 0 || !strings.Contains(out, "already has this configuration; nothing to do") {
		t.Errorf("second apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	if again := cibEpoch(t, must("cibadmin", "--query")); again != loaded {
		t.Errorf("the second apply changed the CIB: epoch %s, before %s", again, loaded)
	}
}

// cibEpoch is the configuration's version: admin_epoch.epoch.
func cibEpoch(t *testing.T, doc string) string {
	t.Helper()
	root, err := xmltree.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return root.Attr("admin_epoch") + "." + root.Attr("epoch")
}

// waitRole polls crm_mon on n until rsc has role ("Started", "Stopped").
func waitRole(t *testing.T, ctx context.Context, n *cluster.Node, rsc, role string) {
	t.Helper()
	last := ""
	for {
		out, err := n.Exec(ctx, "crm_mon", "-1", "--output-as=xml")
		if err == nil {
			if root, err := xmltree.Parse(out); err == nil {
				if r := root.Find("//resource[@id='" + rsc + "']"); len(r) == 1 {
					last = r[0].Attr("role")
					if last == role {
						return
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never became %s (last seen %q)", rsc, role, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
