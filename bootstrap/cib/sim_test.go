package cib

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/internal/xmltree"
)

// cluster is a CIB file with a status section that crm_simulate moves from
// transition to transition, in the manner of Pacemaker's cts/scheduler: the
// generated configuration, two online nodes, and the node attributes the
// agents would set.
type cluster struct {
	t     *testing.T
	c     *config.Config
	dir   string
	file  string // the current CIB
	graph string // the last transition graph
	step  int
}

// PromotionScore is what ocf:qvd:drbd sets on a node whose data and peer
// are UpToDate (linbit's table); PingScore is pingd with every host
// answering.
const promotionScore = "10000"

func newCluster(t *testing.T, c *config.Config) *cluster {
	t.Helper()
	empty, err := xmltree.Parse(pcmk(t, nil, "cibadmin", "--empty").Stdout)
	if err != nil {
		t.Fatal(err)
	}
	cib := Build(c)
	for i, n := range c.Nodes {
		cib.Configuration.Nodes.Node = append(cib.Configuration.Nodes.Node, Node{ID: fmt.Sprint(i + 1), Uname: n.Name})
	}
	conf, err := xml.MarshalIndent(&cib.Configuration, "  ", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var status strings.Builder
	for i, n := range c.Nodes {
		id := i + 1
		fmt.Fprintf(&status, `<node_state id="%d" uname="%s" in_ccm="true" crmd="online" join="member" expected="member">`, id, n.Name)
		fmt.Fprintf(&status, `<transient_attributes id="%d"><instance_attributes id="status-%d">`, id, id)
		fmt.Fprintf(&status, `<nvpair id="status-%d-pingd" name="pingd" value="%d"/>`, id, c.PingMultiplier*len(c.PingHosts))
		if c.Storage == config.StorageDRBD {
			fmt.Fprintf(&status, `<nvpair id="status-%d-master" name="master-%s" value="%s"/>`, id, IDDRBD, promotionScore)
		}
		status.WriteString("</instance_attributes></transient_attributes></node_state>\n")
	}
	// crm_feature_set matters: without it the scheduler reads fail counts
	// the pre-1.1.17 way and never sees migration-threshold reached.
	doc := fmt.Sprintf("<cib crm_feature_set=%q validate-with=%q epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\" have-quorum=\"1\">\n  %s\n  <status>\n%s  </status>\n</cib>\n",
		empty.Attr("crm_feature_set"), empty.Attr("validate-with"), conf, status.String())
	cl := &cluster{t: t, c: c, dir: t.TempDir()}
	cl.file = filepath.Join(cl.dir, "cib-0.xml")
	if err := os.WriteFile(cl.file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return cl
}

// simulate runs one transition with crm_simulate's injections (-i, -f, -u,
// ...) and returns its Transition Summary, one normalised line per change,
// such as "Recover p_postgres ( qvddb1 )".
func (cl *cluster) simulate(args ...string) []string {
	cl.t.Helper()
	cl.step++
	next := filepath.Join(cl.dir, fmt.Sprintf("cib-%d.xml", cl.step))
	cl.graph = filepath.Join(cl.dir, fmt.Sprintf("graph-%d.xml", cl.step))
	out := string(pcmk(cl.t, nil, "crm_simulate", append([]string{"-x", cl.file, "-S", "-O", next, "-G", cl.graph}, args...)...).Stdout)
	cl.file = next
	if !strings.Contains(out, "Transition Summary:") {
		cl.t.Fatalf("crm_simulate printed no transition summary:\n%s", out)
	}
	return TransitionSummary(out)
}

// attr sets a transient node attribute, as an agent does with attrd.
func (cl *cluster) attr(node, name, value string) {
	cl.t.Helper()
	pcmk(cl.t, []string{"CIB_file=" + cl.file}, "crm_attribute", "-N", node, "-l", "reboot", "-n", name, "-v", value)
}

// where returns, for every resource, its role and node ("Promoted qvddb1"),
// as crm_mon reports the current CIB; clone instances are listed sorted.
func (cl *cluster) where() map[string]string {
	cl.t.Helper()
	out := pcmk(cl.t, []string{"CIB_file=" + cl.file}, "crm_mon", "-1", "--output-as=xml").Stdout
	root, err := xmltree.Parse(out)
	if err != nil {
		cl.t.Fatal(err)
	}
	all := map[string][]string{}
	for _, r := range root.Find("//resource") {
		for _, n := range r.Find("node") {
			all[r.Attr("id")] = append(all[r.Attr("id")], r.Attr("role")+" "+n.Attr("name"))
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
