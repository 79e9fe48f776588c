package pcmk

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixture reads a captured output from testdata (SOURCES.md says how each
// was made).
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		fixture  string
		where    map[string]string // resource -> Where joined by ", "
		failures []Failure
		attrs    map[string]string // node/name -> value
	}{
		{"crm_mon-running.xml",
			map[string]string{
				"p_postgres":      "Started qvddb1",
				"p_fs_postgres":   "Started qvddb1",
				"p_fence_qvddb1":  "Started qvddb2",
				"p_ping":          "Started qvddb1, Started qvddb2",
				"p_drbd_postgres": "Promoted qvddb1, Unpromoted qvddb2",
				"g_postgres":      "", // groups and clones are flattened away
				"nosuch":          "",
			},
			nil,
			map[string]string{"qvddb1/pingd": "2000", "qvddb2/master-p_drbd_postgres": "10000", "qvddb1/nosuch": ""}},
		{"crm_mon-failed.xml",
			map[string]string{"p_postgres": "Started qvddb1"},
			[]Failure{{OpKey: "p_postgres_monitor_10000", Node: "qvddb1", ExitReason: "Simulated action result"}},
			nil},
		{"crm_mon-stopped.xml",
			map[string]string{"p_postgres": "", "p_drbd_postgres": ""},
			nil,
			map[string]string{"qvddb1/pingd": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			s, err := ParseStatus(fixture(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			for _, node := range []string{"qvddb1", "qvddb2"} {
				if online, known := s.Online(node); !online || !known {
					t.Errorf("%s: online %v, known %v; want both", node, online, known)
				}
			}
			if online, known := s.Online("qvddb3"); online || known {
				t.Errorf("qvddb3: online %v, known %v; want neither", online, known)
			}
			for rsc, want := range tt.where {
				if got := strings.Join(s.Where(rsc), ", "); got != want {
					t.Errorf("%s is %q, want %q", rsc, got, want)
				}
			}
			if !slices.Equal(s.Failures, tt.failures) {
				t.Errorf("failures %+v, want %+v", s.Failures, tt.failures)
			}
			for key, want := range tt.attrs {
				node, name, _ := strings.Cut(key, "/")
				if got := s.Attribute(node, name); got != want {
					t.Errorf("attribute %s of %s is %q, want %q", name, node, got, want)
				}
			}
		})
	}
}

func TestParseStatusRefuses(t *testing.T) {
	for name, out := range map[string]string{
		"crm_mon with CIB_file naming no file (exit 0)": string(fixture(t, "crm_mon-no-cib.xml")),
		"not XML": "Could not connect to the CIB",
		"empty":   "",
	} {
		t.Run(name, func(t *testing.T) {
			if s, err := ParseStatus([]byte(out)); err == nil {
				t.Errorf("no error, status %+v", s)
			}
		})
	}
	_, err := ParseStatus(fixture(t, "crm_mon-no-cib.xml"))
	if want := "Could not connect to the CIB: No such device or address"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v does not quote crm_mon's %q", err, want)
	}
}

func TestParseLocate(t *testing.T) {
	tests := []struct {
		fixture string
		want    []Location
	}{
		{"crm_resource-locate-promotable.xml", []Location{{Node: "qvddb2"}, {Node: "qvddb1", Promoted: true}}},
		{"crm_resource-locate-group.xml", []Location{{Node: "qvddb1"}}},
		{"crm_resource-locate-stopped.xml", nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			got, err := ParseLocate(fixture(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%+v, want %+v", got, tt.want)
			}
		})
	}
	// Pacemaker 2.0 named the promoted role Master.
	got, err := ParseLocate([]byte(`<pacemaker-result><nodes resource="r"><node state="Master">n1</node></nodes></pacemaker-result>`))
	if err != nil || !slices.Equal(got, []Location{{Node: "n1", Promoted: true}}) {
		t.Errorf("Master: %+v, %v", got, err)
	}
}

func TestTransitionSummary(t *testing.T) {
	tests := []struct {
		name, out string
		want      []string
		ok        bool
	}{
		{"crm_simulate-start.txt", string(fixture(t, "crm_simulate-start.txt")), []string{
			"Start p_fs_postgres ( qvddb1 )", "Start p_ip_postgres ( qvddb1 )", "Start p_postgres ( qvddb1 )",
			"Start p_fence_qvddb1 ( qvddb2 )", "Start p_fence_qvddb2 ( qvddb1 )", "Start p_mailto ( qvddb1 )",
			"Start p_ping:0 ( qvddb2 )", "Start p_ping:1 ( qvddb1 )",
			"Promote p_drbd_postgres:0 ( Stopped -> Promoted qvddb1 )", "Start p_drbd_postgres:1 ( qvddb2 )",
		}, true},
		{"empty summary", "Current cluster status:\n\nTransition Summary:\n\nExecuting Cluster Transition:\n", nil, true},
		{"no summary", "Current cluster status:\n", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := transitionSummary(tt.out)
			if !slices.Equal(got, tt.want) || ok != tt.ok {
				t.Errorf("got %v\n%s\nwant %v\n%s", ok, strings.Join(got, "\n"), tt.ok, strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestParseOpResults(t *testing.T) {
	got, err := ParseOpResults(fixture(t, "cibadmin-status.xml"), "p_postgres")
	if err != nil {
		t.Fatal(err)
	}
	want := []OpResult{
		{Node: "qvddb1", Resource: "p_postgres", ID: "p_postgres_last_0", Operation: "start", RC: 0},
		{Node: "qvddb1", Resource: "p_postgres", ID: "p_postgres_monitor_10000", Operation: "monitor", RC: 0},
		{Node: "qvddb1", Resource: "p_postgres", ID: "p_postgres_last_failure_0", Operation: "monitor", RC: 1, ExitReason: "Simulated action result"},
		{Node: "qvddb2", Resource: "p_postgres", ID: "p_postgres_last_0", Operation: "monitor", RC: 7},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if _, err := ParseOpResults([]byte(`<status><node_state uname="n"><lrm><lrm_resources><lrm_resource id="r"><lrm_rsc_op id="r_last_0" rc-code="x"/></lrm_resource></lrm_resources></lrm></node_state></status>`), "r"); err == nil {
		t.Error("an rc-code that is no number was accepted")
	}
}

func TestParseFenceHistory(t *testing.T) {
	got, err := ParseFenceHistory(fixture(t, "stonith_admin-history.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []FenceEvent{{Target: "qvddb2", Action: "reboot", Status: "success", Delegate: "qvddb1", Origin: "qvddb1",
		Completed: time.Date(2026, 12, 6, 22, 31, 41, 0, time.UTC)}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	pending := `<pacemaker-result><list name="fencing history" count="1"><fence_event action="off" target="n2" origin="n1" status="pending"/></list></pacemaker-result>`
	got, err = ParseFenceHistory([]byte(pending))
	if err != nil || len(got) != 1 || !got[0].Completed.IsZero() || got[0].Status != "pending" {
		t.Errorf("a pending operation: %+v, %v", got, err)
	}
	bad := strings.Replace(pending, `status="pending"`, `status="success" completed="yesterday"`, 1)
	if got, err := ParseFenceHistory([]byte(bad)); err == nil {
		t.Errorf("a completion time that is no time: %+v, want an error", got)
	}
}

func TestParseConfiguration(t *testing.T) {
	// The configuration section of a captured CIB: the shipped constraints
	// and rsc_defaults.
	cib := string(fixture(t, "cib-running.xml"))
	start, end := strings.Index(cib, "<configuration>"), strings.Index(cib, "</configuration>")
	c, err := ParseConfiguration([]byte(cib[start : end+len("</configuration>")]))
	if err != nil {
		t.Fatal(err)
	}
	if c.FailureTimeout != 3*time.Minute {
		t.Errorf("failure-timeout %v, want 3m", c.FailureTimeout)
	}
	var ids []string
	for _, l := range c.Locations {
		ids = append(ids, l.ID)
	}
	if want := []string{"l_fence_qvddb1", "l_fence_qvddb2", "l_ms_drbd_postgres_on_ping", "l_prefer_qvddb1"}; !slices.Equal(ids, want) {
		t.Errorf("locations %v, want %v", ids, want)
	}
}

// A resource's own failure-timeout, or its group's or clone's, wins over
// rsc_defaults' for its failures.
func TestParseConfigurationResourceFailureTimeouts(t *testing.T) {
	meta := func(v string) string {
		return `<meta_attributes id="m"><nvpair id="n" name="failure-timeout" value="` + v + `"/></meta_attributes>`
	}
	conf := `<configuration><resources>
		<primitive id="p_plain"/>
		<primitive id="p_own">` + meta("30s") + `</primitive>
		<group id="g">` + meta("2min") + `<primitive id="p_in_group"/><primitive id="p_own_in_group">` + meta("0") + `</primitive></group>
		<clone id="c">` + meta("1h") + `<group id="g2"><primitive id="p_in_cloned_group"/></group></clone>
		<clone id="c2"><primitive id="p_cloned"/></clone>
	</resources><rsc_defaults><meta_attributes id="d">` + `<nvpair id="dn" name="failure-timeout" value="3min"/></meta_attributes></rsc_defaults></configuration>`
	c, err := ParseConfiguration([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{"p_own": 30 * time.Second, "p_in_group": 2 * time.Minute, "p_own_in_group": 0,
		"p_in_cloned_group": time.Hour}
	if !maps.Equal(c.ResourceFailureTimeouts, want) || c.FailureTimeout != 3*time.Minute {
		t.Errorf("failure-timeouts %v (defaults %v), want %v (defaults 3m)", c.ResourceFailureTimeouts, c.FailureTimeout, want)
	}
	if _, err := ParseConfiguration([]byte(strings.Replace(conf, `value="30s"`, `value="soon"`, 1))); err == nil {
		t.Error("a failure-timeout that is no interval was accepted")
	}
}

func TestParseInterval(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"3min": 3 * time.Minute, "180s": 180 * time.Second, "180": 180 * time.Second, "500ms": 500 * time.Millisecond,
		"1h": time.Hour, "PT3M": 3 * time.Minute, "0": 0,
	} {
		if got, err := ParseInterval(in); err != nil || got != want {
			t.Errorf("ParseInterval(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "3 fortnights", "min", "PTx"} {
		if got, err := ParseInterval(in); err == nil {
			t.Errorf("ParseInterval(%q) = %v, want an error", in, got)
		}
	}
}

func TestStatusHistory(t *testing.T) {
	s, err := ParseStatus(fixture(t, "crm_mon-failed.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if s.MaintenanceMode {
		t.Error("maintenance-mode set, want unset")
	}
	want := time.Date(2026, 12, 6, 22, 20, 45, 0, time.Local)
	if got := s.Since("p_postgres", "qvddb1"); !got.Equal(want) {
		t.Errorf("p_postgres since %v, want %v", got, want)
	}
	if got := s.Since("p_postgres", "qvddb2"); !got.IsZero() {
		t.Errorf("p_postgres on qvddb2 since %v, want never", got)
	}
	var found bool
	for _, h := range s.History {
		if h.Resource == "p_postgres" && h.Node == "qvddb1" {
			found = true
			if h.FailCount != 1 || h.MigrationThreshold != 2 || !h.LastFailure.Equal(want) {
				t.Errorf("p_postgres on qvddb1: %+v, want fail count 1 of 2, last failure %v", h, want)
			}
		}
	}
	if !found {
		t.Error("no history of p_postgres on qvddb1")
	}
}

func TestMonTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		"Sun Dec  6 22:20:45 2026":   time.Date(2026, 12, 6, 22, 20, 45, 0, time.Local),
		"2026-12-06 22:20:45Z":       time.Date(2026, 12, 6, 22, 20, 45, 0, time.UTC),
		"2026-12-06 22:20:45 +01:00": time.Date(2026, 12, 6, 21, 20, 45, 0, time.UTC),
		"":                           {},
		"yesterday":                  {},
	} {
		if got := monTime(in); !got.Equal(want) {
			t.Errorf("monTime(%q) = %v, want %v", in, got, want)
		}
	}
}
