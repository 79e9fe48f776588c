package status_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/maintenance"
	"github.com/qvd-ha/qvd-ha/bootstrap/status"
	"github.com/qvd-ha/qvd-ha/bootstrap/status/schematest"
)

// full is a report with every field set, so that the schema sees each.
func full() *status.Report {
	at := time.Date(2026, 12, 6, 22, 20, 45, 0, time.UTC)
	later := at.Add(time.Minute)
	return &status.Report{
		Schema: status.Schema, Node: "qvddb1", Time: later,
		Cluster: &status.Cluster{
			MaintenanceMode: true,
			Nodes: []status.Node{{Name: "qvddb1", Online: true, Ping: "1000"},
				{Name: "qvddb2", Standby: true, Unclean: true, Maintenance: true}},
			DatabaseOn: []string{"qvddb1"}, Since: &at, PingConfigured: true,
			Failures: []status.Failure{{Resource: "p_postgres", Node: "qvddb2", FailCount: 2, Threshold: 2,
				LastFailure: &at, Expires: &later, Operation: "p_postgres_monitor_10000", Reason: "not running"}},
		},
		Constraints: []status.Constraint{
			{ID: "cli-prefer-g_postgres", Kind: status.KindMove, Resource: "g_postgres", Node: "qvddb2", Score: "INFINITY"},
			{ID: "cli-ban-g_postgres-on-qvddb1", Kind: status.KindBan, Resource: "g_postgres", Node: "qvddb1", Score: "-INFINITY"},
			{ID: "drbd-fence-by-handler-r0-ms_drbd", Kind: status.KindDRBDFence, Resource: "ms_drbd", Score: "-INFINITY"},
		},
		FailureTimeout: 180,
		Fencing: []status.FenceEvent{{Target: "qvddb2", Action: "reboot", Status: "success", Delegate: "qvddb1",
			Origin: "qvddb1", Completed: &at}, {Target: "qvddb1", Action: "off", Status: "pending"}},
		Links: []status.Link{{ID: 0, Addr: "192.0.2.1", Peers: []status.LinkPeer{{NodeID: 2, Name: "qvddb2", Status: "connected", Connected: true}}}},
		DRBD: &status.DRBD{Resource: "r0", Up: true, Role: "Primary", PeerRole: "Secondary", Connection: "Connected",
			Volumes:    []status.Volume{{Minor: 0, Disk: "UpToDate", PeerDisk: "Inconsistent", Replication: "SyncSource", SyncDone: 42.5, OutOfSyncKiB: 1024}},
			SplitBrain: "drbd0: Split-Brain detected"},
		Verify:   &status.Verify{Found: true, OutOfSyncBlocks: 3, Message: "drbd0: Online verify done"},
		Database: &status.DatabaseWrites{MonitorAge: 4.2},
		Backup: &status.Backup{Dir: "/var/backup/qvd-ha", Newest: "qvddb-20261206T030000Z.dump", At: &at,
			PeerCopy: &maintenance.PeerCopy{Peer: "root@qvddb2", Copied: "qvddb-20261205T030000Z.dump", CopiedAt: &at,
				Failed: "qvddb-20261206T030000Z.dump", FailedAt: &at, Error: "ssh root@qvddb2: no route to host"}},
		Clock:   &status.Clock{Synchronised: false, Warnings: []string{"not synchronised"}},
		Errors:  []status.SourceError{{Source: "kernel-log", Error: "permission denied", NeedsRoot: true}},
		Sources: []status.SourceTime{{Source: "pacemaker", Millis: 61.5}, {Source: "database", Millis: 3}},
	}
}

func render(t *testing.T, r *status.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := status.JSON(&b, r, status.Evaluate(r, status.DefaultThresholds)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestJSONFollowsSchema(t *testing.T) {
	for _, tc := range []struct {
		name   string
		report *status.Report
	}{
		{"every field", full()},
		// A node whose sources all failed: sections absent, lists [].
		{"nothing readable", &status.Report{Schema: status.Schema, Node: "qvddb2", Time: time.Now(),
			Errors: []status.SourceError{{Source: "pacemaker", Error: "connection refused"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := schematest.Validate(render(t, tc.report)); err != nil {
				t.Error(err)
			}
		})
	}
}

// The schema allows no property it does not list, so a field the report
// gains without the schema fails here.
func TestSchemaRefusesWhatItDoesNotList(t *testing.T) {
	for _, tc := range []struct{ name, from, to string }{
		{"unknown property", `"failure_timeout_s"`, `"unknown": 1, "failure_timeout_s"`},
		{"bad level", `"level": "WARNING"`, `"level": "BAD"`},
		{"bad time", `"time": "2026-12-06T22:21:45Z"`, `"time": "yesterday"`},
		{"wrong schema", `"qvd-ha-status/1"`, `"qvd-ha-status/0"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := render(t, full())
			bad := strings.Replace(string(data), tc.from, tc.to, 1)
			if bad == string(data) {
				t.Fatalf("%s not in the JSON:\n%s", tc.from, data)
			}
			if err := schematest.Validate([]byte(bad)); err == nil {
				t.Errorf("validated:\n%s", bad)
			}
		})
	}
}

// TestDocNamesEverySchemaProperty: doc.go's field list and the schema
// agree, every property of the schema has its line in doc.go.
func TestDocNamesEverySchemaProperty(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var schema any
	if err := json.Unmarshal(status.SchemaJSON, &schema); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for name := range props {
					names[name] = true
				}
			}
			for _, sub := range v {
				walk(sub)
			}
		case []any:
			for _, sub := range v {
				walk(sub)
			}
		}
	}
	walk(schema)
	if len(names) < 20 {
		t.Fatalf("only %d properties found in the schema", len(names))
	}
	var missing []string
	for name := range names {
		if !regexp.MustCompile(`(^|[^a-z_])` + regexp.QuoteMeta(name) + `([^a-z_]|$)`).Match(doc) {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("doc.go does not name %v", missing)
	}
}
