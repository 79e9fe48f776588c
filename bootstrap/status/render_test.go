package status

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestSummary(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *Report)
		want string
	}{
		{"healthy", func(*Report) {},
			"QVD-HA OK - database on qvddb1 since 2026-12-07 11:00:00 UTC | monitor_age=4s;60;300;0 backup_age=32400s;172800;;0"},
		{"the worst problem first, and how many more", func(r *Report) {
			r.Cluster.Nodes[1].Standby = true
			r.Cluster.DatabaseOn = nil
			r.Database = nil
		}, "QVD-HA CRITICAL - the database runs nowhere: "},
		{"stack down", func(r *Report) {
			r.Cluster, r.Database, r.Backup = nil, nil, nil
			r.Errors = []SourceError{{Source: "pacemaker", Error: "crm_mon exited with status 102"}}
		}, "QVD-HA UNKNOWN - cannot read pacemaker on qvddb1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := healthy()
			tt.edit(r)
			got := Summary(r, Evaluate(r, DefaultThresholds))
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("summary\n %q\nwant it to start with\n %q", got, tt.want)
			}
			if strings.Contains(got, "\n") {
				t.Errorf("summary %q is more than one line", got)
			}
		})
	}
	r := healthy()
	r.Cluster.Nodes[1].Standby = true
	r.Cluster.DatabaseOn = nil
	if got := Summary(r, Evaluate(r, DefaultThresholds)); !strings.Contains(got, "(+1 more)") {
		t.Errorf("summary %q does not count the other problem", got)
	}
}

func TestText(t *testing.T) {
	r := healthy()
	r.Links[1].Peers[0] = LinkPeer{NodeID: 2, Name: "qvddb2", Status: "disconnected"}
	var b bytes.Buffer
	if err := Text(&b, r, Evaluate(r, DefaultThresholds)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"QVD-HA WARNING - corosync link 1",
		"  WARNING  corosync link 1 (198.51.100.1) from qvddb1 to qvddb2 is down",
		"Cluster:  database on qvddb1 since 2026-12-07 11:00:00 UTC",
		"  node qvddb2       online, pingd 2000",
		"Corosync: link 0 192.0.2.11 to qvddb2 connected; link 1 198.51.100.1 to qvddb2 disconnected",
		"DRBD:     postgres Primary/Secondary Connected  drbd0 UpToDate/UpToDate Established",
		"Database: pacemaker_monitor written 4s ago",
		"Backup:   qvddb-2026-12-07T030012.dump, 9h0m0s old",
		"Clock:    synchronised",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the screen does not show %q:\n%s", want, out)
		}
	}
	// One screen: a terminal's 24 lines.
	if n := strings.Count(out, "\n"); n > 24 {
		t.Errorf("%d lines, more than a screen:\n%s", n, out)
	}
}

func TestJSON(t *testing.T) {
	r := healthy()
	r.Cluster.MaintenanceMode = true
	var b bytes.Buffer
	if err := JSON(&b, r, Evaluate(r, DefaultThresholds)); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Schema   string `json:"schema"`
		Level    string `json:"level"`
		Problems []struct{ Level, Text string }
		Cluster  struct {
			MaintenanceMode bool      `json:"maintenance_mode"`
			Since           time.Time `json:"since"`
		}
		Database struct {
			MonitorAge float64 `json:"monitor_age_s"`
		}
		Errors []SourceError `json:"errors"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, b.String())
	}
	if got.Schema != Schema || got.Level != "WARNING" || len(got.Problems) != 1 || got.Problems[0].Level != "WARNING" ||
		!got.Cluster.MaintenanceMode || !got.Cluster.Since.Equal(now.Add(-time.Hour)) || got.Database.MonitorAge != 4 {
		t.Errorf("JSON %+v from:\n%s", got, b.String())
	}
	// Empty lists are [], not null, so that consumers need no special case.
	if strings.Contains(b.String(), "null") || !strings.Contains(b.String(), `"errors": []`) {
		t.Errorf("a list is null, not []:\n%s", b.String())
	}
}
