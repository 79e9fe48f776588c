package cib

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/internal/xmltree"
	// Named apart from this package's pcmk, the test helper that runs a tool.
	pacemaker "github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// cluster is a CIB file that crm_simulate moves from transition to
// transition, in the manner of Pacemaker's cts/scheduler. It starts as the
// very document `qvd-ha-bootstrap cib` prints, root attributes included, so
// that the scheduler reads it as it reads the shipped file; crm_simulate's
// injections and crm_attribute then add the two online nodes, quorum and the
// node attributes the agents would set.
type cluster struct {
	t     *testing.T
	c     *config.Config
	dir   string
	file  string // the current CIB
	graph string // the last transition graph
	step  int
}

// PromotionScore is what ocf:qvd:drbd sets on a node whose data and peer
// are UpToDate (linbit's table).
const promotionScore = "10000"

func newCluster(t *testing.T, c *config.Config) *cluster {
	t.Helper()
	doc, err := Build(c).XML()
	if err != nil {
		t.Fatal(err)
	}
	cl := &cluster{t: t, c: c, dir: t.TempDir()}
	cl.file = filepath.Join(cl.dir, "cib-0.xml")
	if err := os.WriteFile(cl.file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	join := []string{"--quorum=1"}
	for _, n := range c.Nodes {
		join = append(join, "-u", n.Name)
	}
	cl.inject(join...)
	for _, n := range c.Nodes {
		// pingd with every host answering.
		cl.attr(n.Name, "pingd", fmt.Sprint(c.PingMultiplier*len(c.PingHosts)))
		if c.Storage == config.StorageDRBD {
			cl.attr(n.Name, "master-"+IDDRBD, promotionScore)
		}
	}
	return cl
}

// inject applies crm_simulate's injections to the CIB without running a
// transition.
func (cl *cluster) inject(args ...string) {
	cl.t.Helper()
	cl.step++
	next := filepath.Join(cl.dir, fmt.Sprintf("cib-%d.xml", cl.step))
	pcmk(cl.t, nil, "crm_simulate", append([]string{"-x", cl.file, "-O", next}, args...)...)
	cl.file = next
}

// simulate runs one transition with crm_simulate's injections (-i, -f, -u,
// ...) and returns its Transition Summary, one normalised line per change,
// such as "Recover p_postgres ( qvddb1 )".
func (cl *cluster) simulate(args ...string) []string {
	cl.t.Helper()
	cl.step++
	next := filepath.Join(cl.dir, fmt.Sprintf("cib-%d.xml", cl.step))
	cl.graph = filepath.Join(cl.dir, fmt.Sprintf("graph-%d.xml", cl.step))
	changes, err := pacemaker.Tools{Run: runner.Exec{}}.Simulate(cl.ctx(), cl.file, append([]string{"-O", next, "-G", cl.graph}, args...)...)
	if err != nil {
		cl.t.Fatal(err)
	}
	cl.file = next
	return changes
}

// ctx bounds one Pacemaker tool run.
func (cl *cluster) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	cl.t.Cleanup(cancel)
	return ctx
}

// attr sets a transient node attribute, as an agent does with attrd.
func (cl *cluster) attr(node, name, value string) {
	cl.t.Helper()
	pcmk(cl.t, []string{"CIB_file=" + cl.file}, "crm_attribute", "-N", node, "-l", "reboot", "-n", name, "-v", value)
}

// failCount is rsc's fail count on node, as the scheduler reads it.
func (cl *cluster) failCount(rsc, node string) string {
	cl.t.Helper()
	out := pcmk(cl.t, []string{"CIB_file=" + cl.file}, "crm_failcount", "-G", "-r", rsc, "-N", node, "-q").Stdout
	return strings.TrimSpace(string(out))
}

// where returns, for every resource, its role and node ("Promoted qvddb1"),
// as crm_mon reports the current CIB; clone instances are listed sorted.
func (cl *cluster) where() map[string]string {
	cl.t.Helper()
	st, err := pacemaker.Tools{Run: runner.Exec{}, Env: []string{"CIB_file=" + cl.file}}.Status(cl.ctx())
	if err != nil {
		cl.t.Fatal(err)
	}
	all := map[string][]string{}
	for _, r := range st.Resources {
		for _, n := range r.Nodes {
			all[r.ID] = append(all[r.ID], r.Role+" "+n.Name)
		}
	}
	m := map[string]string{}
	for id, places := range all {
		slices.Sort(places)
		m[id] = strings.Join(places, ", ")
	}
	return m
}

// expect checks where resources are; "" means stopped.
func (cl *cluster) expect(what string, want map[string]string) {
	cl.t.Helper()
	got := cl.where()
	for rsc, w := range want {
		if got[rsc] != w {
			cl.t.Errorf("%s: %s is %q, want %q", what, rsc, got[rsc], w)
		}
	}
}

// graphTree is the last transition graph, parsed.
func (cl *cluster) graphTree() *xmltree.Elem {
	cl.t.Helper()
	data, err := os.ReadFile(cl.graph)
	if err != nil {
		cl.t.Fatal(err)
	}
	root, err := xmltree.Parse(data)
	if err != nil {
		cl.t.Fatal(err)
	}
	return root
}

// before reports whether action b waits for action a in the last graph.
// Actions are operation keys, with the node for real operations:
// "p_fs_postgres_start_0@qvddb1"; clone instance numbers are dropped.
func (cl *cluster) before(a, b string) bool {
	cl.t.Helper()
	root := cl.graphTree()
	instance := regexp.MustCompile(`:[0-9]+_`)
	key := func(e *xmltree.Elem) string {
		k := instance.ReplaceAllString(e.Attr("operation_key"), "_")
		if n := e.Attr("on_node"); n != "" {
			k += "@" + n
		}
		return k
	}
	inputs := map[string][]string{}
	seen := map[string]bool{}
	for _, s := range root.Find("synapse") {
		for _, act := range s.Find("action_set/*") {
			k := key(act)
			seen[k] = true
			for _, in := range s.Find("inputs/trigger/*") {
				inputs[k] = append(inputs[k], key(in))
			}
		}
	}
	for _, k := range []string{a, b} {
		if !seen[k] {
			cl.t.Fatalf("the transition has no action %s", k)
		}
	}
	todo, done := []string{b}, map[string]bool{}
	for len(todo) > 0 {
		k := todo[0]
		todo = todo[1:]
		for _, in := range inputs[k] {
			if in == a {
				return true
			}
			if !done[in] {
				done[in] = true
				todo = append(todo, in)
			}
		}
	}
	return false
}

func (cl *cluster) wantOrder(chain ...string) {
	cl.t.Helper()
	for i := 1; i < len(chain); i++ {
		if !cl.before(chain[i-1], chain[i]) {
			cl.t.Errorf("%s does not wait for %s", chain[i], chain[i-1])
		}
	}
}

// fencingDelay returns the priority-fencing-delay the last graph gives to
// fencing node, "" when the graph fences it without one.
func (cl *cluster) fencingDelay(node string) string {
	cl.t.Helper()
	root := cl.graphTree()
	ev := root.Find("//crm_event[@operation='stonith'][@on_node='" + node + "']/attributes")
	if len(ev) == 0 {
		cl.t.Fatalf("the transition does not fence %s", node)
	}
	return ev[0].Attr("CRM_meta_priority_fencing_delay")
}

func contains(t *testing.T, what string, lines []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("%s: transition lacks %q; it is:\n%s", what, w, strings.Join(lines, "\n"))
		}
	}
}
