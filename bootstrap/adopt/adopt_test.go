package adopt

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// readTestdata returns a file of testdata (or, for a path with a slash,
// relative to the package).
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	p := name
	if !strings.Contains(name, "/") {
		p = filepath.Join("testdata", name)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func recognise(t *testing.T, cib []byte) *Recognised {
	t.Helper()
	r, err := Recognise(cib)
	if err != nil {
		t.Fatalf("Recognise: %v", err)
	}
	return r
}

var runbookCIBs = []struct {
	xml, golden, layout string
}{
	{"runbook-10.5-libvirt.xml", "runbook-10.5-libvirt.conf", "10.5"},
	{"runbook-10.5-xenapi.xml", "runbook-10.5-xenapi.conf", "10.5"},
	{"runbook-12-14.xml", "runbook-12-14.conf", "12-14"},
}

func TestInferGolden(t *testing.T) {
	for _, tc := range runbookCIBs {
		t.Run(tc.xml, func(t *testing.T) {
			r := recognise(t, readTestdata(t, tc.xml))
			if r.Layout.Name != tc.layout {
				t.Errorf("layout %s, want %s", r.Layout.Name, tc.layout)
			}
			got := r.Infer().Render()
			golden := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want := string(readTestdata(t, tc.golden)); got != want {
				t.Errorf("inferred configuration differs from %s (go test -update rewrites it):\n%s", golden, got)
			}
		})
	}
}

// problemKey is the key a config.Load problem names: "NAME:LINE: key: ..."
// or, from Validate, "key: ...".
var problemKey = regexp.MustCompile(`(?:^|: )([a-z0-9_]+\.[a-z0-9_.]+|[a-z_]+): `)

// The inferred file loads once the blank keys are set, and until then
// fails on exactly those keys: nothing else in it is wrong.
func TestInferLoads(t *testing.T) {
	for _, tc := range runbookCIBs {
		t.Run(tc.xml, func(t *testing.T) {
			in := recognise(t, readTestdata(t, tc.xml)).Infer()
			var blank []string
			for _, g := range in.Gaps {
				if g.Blank {
					blank = append(blank, g.Key)
				}
			}
			_, err := config.Load(strings.NewReader(in.Render()), "adopted.conf", nil)
			probs, ok := config.AsProblems(err)
			if !ok {
				t.Fatalf("Load: %v, want problems", err)
			}
			var keys []string
			for _, p := range probs {
				m := problemKey.FindStringSubmatch(p)
				if m == nil {
					t.Fatalf("problem names no key: %s", p)
				}
				keys = append(keys, m[1])
			}
			slices.Sort(keys)
			keys = slices.Compact(keys)
			slices.Sort(blank)
			if !slices.Equal(keys, blank) {
				t.Errorf("Load's problems are about %v, want exactly the blank keys %v:\n%s", keys, blank, probs)
			}

			// Filling in the blank keys, as the admin edits the file, is
			// all it takes.
			completed(t, in)
		})
	}
}

// completed is the inferred configuration with its blank keys filled in
// as the admin would, loaded.
func completed(t *testing.T, in *Inferred) *config.Config {
	t.Helper()
	filled := in.Render()
	for i, g := range in.Gaps {
		if g.Blank {
			filled = strings.Replace(filled, "\n"+g.Key+" =\n", "\n"+g.Key+" = "+blankValue(g.Key, i)+"\n", 1)
		}
	}
	c, err := config.Load(strings.NewReader(filled), "adopted.conf", nil)
	if err != nil {
		t.Fatalf("Load with the blank keys filled in: %v", err)
	}
	return c
}

// blankValue is a valid value for a blank key; i keeps addresses distinct.
func blankValue(key string, i int) string {
	switch {
	case key == "db.ip":
		return "203.0.113.10"
	case strings.HasSuffix(key, "_addr"):
		return "198.51.100." + string(rune('1'+i))
	case key == "drbd.device":
		return "/dev/drbd0"
	case key == "drbd.disk":
		return "/dev/sdb"
	case key == "drbd.port":
		return "7788"
	case key == "fencing.password_source":
		return config.CIBSecret
	}
	return "x"
}

// The runbook's CIB holds pgsql's monitor_password and xenapi's passwd in
// clear: neither value may reach the configuration.
func TestNoPasswordInOutput(t *testing.T) {
	secrets := strings.NewReplacer(`name="monitor_password" value="changeme"`, `name="monitor_password" value="Secret-Monitor-7"`,
		`name="passwd" value="pass"`, `name="passwd" value="Secret-Xen-9"`)
	for _, tc := range runbookCIBs {
		t.Run(tc.xml, func(t *testing.T) {
			cib := secrets.Replace(string(readTestdata(t, tc.xml)))
			out := recognise(t, []byte(cib)).Infer().Render()
			for _, s := range []string{"Secret-Monitor-7", "Secret-Xen-9", "changeme"} {
				if strings.Contains(out, s) {
					t.Errorf("the password %q is in the output", s)
				}
			}
		})
	}
	if !strings.Contains(string(readTestdata(t, "runbook-10.5-xenapi.xml")), `name="passwd" value="pass"`) ||
		!strings.Contains(string(readTestdata(t, "runbook-10.5-libvirt.xml")), `name="monitor_password" value="changeme"`) {
		t.Fatal("testdata no longer carries the runbook's passwords: this test checks nothing")
	}
}

// A live CIB has more than the configuration typed: node attributes
// (pingd, DRBD's master scores) and status. They change nothing.
func TestRecogniseToleratesStatus(t *testing.T) {
	base := string(readTestdata(t, "runbook-10.5-libvirt.xml"))
	live := strings.NewReplacer(
		`<node uname="qvddb1" id="qvddb1"/>`,
		`<node uname="qvddb1" id="1"><instance_attributes id="nodes-1"><nvpair id="nodes-1-standby" name="standby" value="off"/></instance_attributes></node>`,
		`<node uname="qvddb2" id="qvddb2"/>`, `<node uname="qvddb2" id="2"/>`,
		`<status/>`,
		`<status><node_state id="1" uname="qvddb1" in_ccm="true" crmd="online"><transient_attributes id="1"><instance_attributes id="status-1"><nvpair id="status-1-pingd" name="pingd" value="100"/></instance_attributes></transient_attributes></node_state></status>`,
	).Replace(base)
	if live == base {
		t.Fatal("the replacements no longer apply to the testdata")
	}
	want := recognise(t, []byte(base)).Infer().Render()
	if got := recognise(t, []byte(live)).Infer().Render(); got != want {
		t.Errorf("node attributes and status changed the inferred configuration:\n%s", got)
	}
	// cibadmin --query --scope configuration prints the section alone.
	section := base[strings.Index(base, "<configuration>"):strings.Index(base, "<status/>")]
	if got := recognise(t, []byte(section)).Infer().Render(); got != want {
		t.Errorf("the configuration section alone gave another configuration:\n%s", got)
	}
}

// cut removes the element from the line holding start to the first line
// holding end, both included, so that a test takes a piece out of a CIB.
func cut(t *testing.T, cib, start, end string) string {
	t.Helper()
	i := strings.Index(cib, start)
	if i < 0 {
		t.Fatalf("%q is not in the CIB", start)
	}
	i = strings.LastIndex(cib[:i], "\n") + 1
	j := strings.Index(cib[i:], end)
	if j < 0 {
		t.Fatalf("%q does not follow %q", end, start)
	}
	j = i + j + len(end)
	return cib[:i] + cib[j:]
}

func TestRecogniseRefuses(t *testing.T) {
	runbook := string(readTestdata(t, "runbook-10.5-libvirt.xml"))
	empty := `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="0" num_updates="0" admin_epoch="0">` +
		`<configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>`
	for _, tc := range []struct {
		name string
		cib  string
		want []string // in the reason
	}{
		{"the shipped CIB", string(readTestdata(t, "../../crm/qvd-ha.xml")), []string{
			"p_postgres is ocf:qvd:pgsql, the runbook's is ocf:heartbeat:pgsql",
			"p_drbd_postgres is ocf:qvd:drbd, the runbook's is ocf:linbit:drbd",
			"p_ip_postgres is ocf:qvd:IPaddr",
		}},
		{"an empty CIB", empty, []string{"no group g_postgres", "no resource p_postgres (ocf:heartbeat:pgsql)", "no colocation o_postgres_on_drbd"}},
		{"pgsql missing", cut(t, runbook, `<primitive id="p_postgres"`, "</primitive>"), []string{
			"no resource p_postgres (ocf:heartbeat:pgsql)",
			"group g_postgres holds p_fs_postgres p_ip_postgres, the runbook's holds p_fs_postgres p_ip_postgres p_postgres",
		}},
		{"order missing", cut(t, runbook, `<rsc_order id="o_drbd_before_postgres"`, "/>"), []string{"no order o_drbd_before_postgres"}},
		{"colocation with the slave", strings.Replace(runbook, `with-rsc-role="Master"`, `with-rsc-role="Slave"`, 1), []string{
			"o_postgres_on_drbd is not the runbook's colocation",
		}},
		{"a third node", strings.Replace(runbook, `<nodes>`, `<nodes><node uname="qvddb3" id="qvddb3"/>`, 1), []string{
			"3 nodes (qvddb1, qvddb2, qvddb3)",
		}},
		{"an extra resource", strings.Replace(runbook, `<resources>`, `<resources><primitive id="p_web" class="ocf" provider="heartbeat" type="apache"/>`, 1), []string{
			"resource p_web (ocf:heartbeat:apache) is not part of the runbook's layout",
		}},
		{"not XML", "cibadmin: Connection to the CIB manager failed", []string{"read CIB"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Recognise([]byte(tc.cib))
			if err == nil {
				t.Fatal("recognised, want a refusal")
			}
			if tc.name != "not XML" && !errors.Is(err, ErrNotRunbook) {
				t.Errorf("error %v does not wrap ErrNotRunbook", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("reason %q\ndoes not say %q", err, w)
				}
			}
		})
	}
}

func TestPlanGolden(t *testing.T) {
	for _, tc := range runbookCIBs {
		t.Run(tc.xml, func(t *testing.T) {
			r := recognise(t, readTestdata(t, tc.xml))
			plan, err := r.NewPlan(completed(t, r.Infer()))
			if err != nil {
				t.Fatal(err)
			}
			got := plan.String()
			golden := filepath.Join("testdata", "plan-"+strings.TrimSuffix(tc.xml, ".xml")+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want := string(readTestdata(t, filepath.Base(golden))); got != want {
				t.Errorf("plan differs from %s (go test -update rewrites it):\n%s", golden, got)
			}
			for _, s := range []string{"changeme", "value=\"pass\"", "-> pass"} {
				if strings.Contains(got, s) {
					t.Errorf("the plan shows a password (%q)", s)
				}
			}
		})
	}
}

// crm resource move leaves cli-prefer-*: tolerated, not taken for the
// preferred node, and the plan says it goes.
func TestMoveConstraint(t *testing.T) {
	cib := strings.Replace(string(readTestdata(t, "runbook-10.5-libvirt.xml")), "<constraints>",
		`<constraints><rsc_location id="cli-prefer-g_postgres" rsc="g_postgres" role="Started" node="qvddb2" score="INFINITY"/>`, 1)
	r := recognise(t, []byte(cib))
	in := r.Infer()
	if in.Config.Preferred != "qvddb1" {
		t.Errorf("preferred_node %s, want qvddb1: a move is not a preference", in.Config.Preferred)
	}
	plan, err := r.NewPlan(completed(t, in))
	if err != nil {
		t.Fatal(err)
	}
	if want := "  cli-prefer-g_postgres: removed: rsc_location -> (none) (left by crm resource move/ban"; !strings.Contains(plan.String(), want) {
		t.Errorf("plan does not say %q:\n%s", want, plan)
	}
}

func TestPrefixLength(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"18", 18, true},
		{"255.255.192.0", 18, true},
		{"255.0.255.0", 0, false}, // not contiguous
		{"", 0, false},
		{"eth0", 0, false},
	} {
		if n, ok := prefixLength(tc.in); n != tc.want || ok != tc.ok {
			t.Errorf("prefixLength(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.want, tc.ok)
		}
	}
}

// The runbook typed ip="" and host_list="": those keys are left for the
// admin, and the file loads once they are set.
func TestRunbookEmptyAddresses(t *testing.T) {
	typed := strings.NewReplacer(`name="ip" value="192.0.2.10"`, `name="ip" value=""`,
		`name="host_list" value="192.0.2.1"`, `name="host_list" value=""`).Replace(string(readTestdata(t, "runbook-10.5-libvirt.xml")))
	in := recognise(t, []byte(typed)).Infer()
	blank := map[string]bool{}
	for _, g := range in.Gaps {
		blank[g.Key] = g.Blank
	}
	for _, k := range []string{"db.ip", "ping.hosts"} {
		if !blank[k] {
			t.Errorf("%s is not left blank for the admin; gaps: %v", k, in.Gaps)
		}
	}
	completed(t, in)
}
