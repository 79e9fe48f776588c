package status

import (
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/maintenance"
)

var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) *time.Time {
	t := now.Add(-d)
	return &t
}

// healthy is a settled cluster as status would read it on qvddb1.
func healthy() *Report {
	return &Report{
		Schema: Schema, Node: "qvddb1", Time: now,
		Cluster: &Cluster{
			Nodes: []Node{
				{Name: "qvddb1", Online: true, Ping: "2000"},
				{Name: "qvddb2", Online: true, Ping: "2000"},
			},
			DatabaseOn: []string{"qvddb1"}, Since: ago(time.Hour), PingConfigured: true,
		},
		FailureTimeout: 180,
		Links: []Link{
			{ID: 0, Addr: "192.0.2.11", Peers: []LinkPeer{{NodeID: 2, Name: "qvddb2", Status: "connected", Connected: true}}},
			{ID: 1, Addr: "198.51.100.1", Peers: []LinkPeer{{NodeID: 2, Name: "qvddb2", Status: "connected", Connected: true}}},
		},
		DRBD: &DRBD{Resource: "postgres", Up: true, Role: "Primary", PeerRole: "Secondary", Connection: "Connected",
			Volumes: []Volume{{Minor: 0, Disk: "UpToDate", PeerDisk: "UpToDate", Replication: "Established", OutOfSyncKiB: 0}}},
		Verify:   &Verify{Found: true, Message: "block drbd0: Online verify done (total 2 sec; paused 0 sec; 32768 K/sec)"},
		Database: &DatabaseWrites{MonitorAge: 4},
		Backup:   &Backup{Dir: "/var/backup/qvd-ha", Newest: "qvddb-2026-12-07T030012.dump", At: ago(9 * time.Hour)},
		Clock:    &Clock{Synchronised: true},
	}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *Report)
		level Level
		// want is one entry per problem, in order: substrings of its text
		// separated by " … "; none for a healthy report.
		want []string
	}{
		{"healthy", func(*Report) {}, OK, nil},
		{"one link down", func(r *Report) {
			r.Links[1].Peers[0] = LinkPeer{NodeID: 2, Name: "qvddb2", Status: "disconnected"}
		}, Warning, []string{"corosync link 1 (198.51.100.1) from qvddb1 to qvddb2 is down"}},
		{"ping lost", func(r *Report) { r.Cluster.Nodes[1].Ping = "0" }, Warning,
			[]string{"node qvddb2 reaches none of its ping hosts (pingd 0)"}},
		{"ping never reported", func(r *Report) { r.Cluster.Nodes[0].Ping = "" }, Warning,
			[]string{"node qvddb1 reaches none of its ping hosts (pingd not set)"}},
		{"database stopped everywhere", func(r *Report) {
			r.Cluster.DatabaseOn, r.Cluster.Since, r.Database = nil, nil, nil
		}, Critical, []string{"the database runs nowhere"}},
		{"database on both nodes", func(r *Report) { r.Cluster.DatabaseOn = []string{"qvddb1", "qvddb2"} }, Critical,
			[]string{"active on qvddb1 and qvddb2 at once"}},
		{"node fenced recently", func(r *Report) {
			r.Fencing = []FenceEvent{{Target: "qvddb2", Action: "reboot", Status: "success", Delegate: "qvddb1", Origin: "qvddb1", Completed: ago(time.Hour)}}
		}, Warning, []string{"qvddb2 was fenced (reboot by qvddb1, asked by qvddb1) at 2026-12-07 11:00:00 UTC … stonith_admin --cleanup --history qvddb2"}},
		{"fencing long ago", func(r *Report) {
			r.Fencing = []FenceEvent{{Target: "qvddb2", Action: "reboot", Status: "success", Completed: ago(72 * time.Hour)}}
		}, OK, nil},
		{"fencing failed", func(r *Report) {
			r.Fencing = []FenceEvent{{Target: "qvddb2", Action: "reboot", Status: "failed", Completed: ago(time.Minute)}}
		}, Critical, []string{"fencing (reboot) of qvddb2 failed"}},
		{"fencing pending", func(r *Report) {
			r.Fencing = []FenceEvent{{Target: "qvddb2", Action: "off", Status: "pending", Origin: "qvddb1"}}
		}, Warning, []string{"fencing (off) of qvddb2 in progress"}},
		{"left-over cli-prefer", func(r *Report) {
			r.Constraints = []Constraint{{ID: "cli-prefer-g_postgres", Kind: KindMove, Resource: "g_postgres", Node: "qvddb2", Score: "INFINITY"}}
		}, Warning, []string{"move constraint cli-prefer-g_postgres left behind (g_postgres pinned to qvddb2) … crm resource clear g_postgres"}},
		{"left-over ban", func(r *Report) {
			r.Constraints = []Constraint{{ID: "cli-ban-g_postgres-on-qvddb1", Kind: KindBan, Resource: "g_postgres", Node: "qvddb1"}}
		}, Warning, []string{"ban cli-ban-g_postgres-on-qvddb1 left behind"}},
		{"DRBD fence constraint", func(r *Report) {
			r.Constraints = []Constraint{{ID: "drbd-fence-by-handler-postgres-ms_drbd_postgres", Kind: KindDRBDFence, Resource: "ms_drbd_postgres"}}
		}, Warning, []string{"DRBD fence constraint drbd-fence-by-handler-postgres-ms_drbd_postgres"}},
		{"peer disk outdated", func(r *Report) { r.DRBD.Volumes[0].PeerDisk = "Outdated" }, Warning,
			[]string{"the peer's disk is Outdated, not UpToDate"}},
		{"own disk inconsistent", func(r *Report) { r.DRBD.Volumes[0].Disk = "Inconsistent" }, Warning,
			[]string{"this node's disk is Inconsistent"}},
		{"resync", func(r *Report) {
			r.DRBD.Volumes[0] = Volume{Disk: "UpToDate", PeerDisk: "Inconsistent", Replication: "SyncSource", SyncDone: 42.5, OutOfSyncKiB: 1024}
		}, Warning, []string{"resynchronising (SyncSource, 42.5% done, 1024 KiB out of sync)"}},
		{"split brain", func(r *Report) {
			r.DRBD.Connection = "StandAlone"
			r.DRBD.Volumes[0].PeerDisk = "DUnknown"
			r.DRBD.SplitBrain = "block drbd0: Split-Brain detected, dropping connection!"
		}, Critical, []string{"DRBD split brain on postgres … --discard-my-data"}},
		{"replication not connected", func(r *Report) {
			r.DRBD.Connection = "WFConnection"
			r.DRBD.Volumes[0].PeerDisk = "DUnknown"
		}, Warning, []string{"not connected to its peer (WFConnection)"}},
		{"DRBD down here", func(r *Report) { r.DRBD = &DRBD{Resource: "postgres"} }, Warning,
			[]string{"DRBD resource postgres is down on this node"}},
		{"verify found differences", func(r *Report) { r.Verify.OutOfSyncBlocks = 3 }, Warning,
			[]string{"the last DRBD verify found 3 out-of-sync 4k blocks"}},
		{"monitor stale", func(r *Report) { r.Database.MonitorAge = 90 }, Warning,
			[]string{"pacemaker_monitor was last written 1m30s ago"}},
		{"monitor dead", func(r *Report) { r.Database.MonitorAge = 600 }, Critical,
			[]string{"pacemaker_monitor was last written 10m0s ago"}},
		{"backup older than two days", func(r *Report) { r.Backup.At = ago(50 * time.Hour) }, Warning,
			[]string{"the newest backup on qvddb1, qvddb-2026-12-07T030012.dump, is 50h0m0s old"}},
		{"no backup", func(r *Report) { r.Backup = &Backup{Dir: "/var/backup/qvd-ha"} }, Warning,
			[]string{"no database backup in /var/backup/qvd-ha on qvddb1"}},
		{"newest backup copied to the other node", func(r *Report) {
			r.Backup.PeerCopy = &maintenance.PeerCopy{Peer: "root@qvddb2", Copied: r.Backup.Newest, CopiedAt: ago(9 * time.Hour)}
		}, OK, nil},
		{"newest backup not copied", func(r *Report) {
			r.Backup.PeerCopy = &maintenance.PeerCopy{Peer: "root@qvddb2", Copied: "qvddb-2026-12-05T030007.dump", CopiedAt: ago(57 * time.Hour),
				Failed: r.Backup.Newest, FailedAt: ago(9 * time.Hour), Error: "ssh root@qvddb2: Host key verification failed."}
		}, Warning, []string{"the newest backup on qvddb1, qvddb-2026-12-07T030012.dump, is not on the other node (its newest from here is qvddb-2026-12-05T030007.dump, 57h0m0s old) … copying it to root@qvddb2 failed: ssh root@qvddb2: Host key verification failed. … ssh -o BatchMode=yes root@qvddb2 true"}},
		{"never copied", func(r *Report) {
			r.Backup.PeerCopy = &maintenance.PeerCopy{Peer: "root@qvddb2", Failed: r.Backup.Newest, FailedAt: ago(9 * time.Hour), Error: "no route to host"}
		}, Warning, []string{"is not on the other node (it never received one from here): copying it to root@qvddb2 failed: no route to host"}},
		{"old and not copied", func(r *Report) {
			r.Backup.At = ago(50 * time.Hour)
			r.Backup.PeerCopy = &maintenance.PeerCopy{Peer: "root@qvddb2", Failed: r.Backup.Newest, FailedAt: ago(50 * time.Hour), Error: "no route to host"}
		}, Warning, []string{"is 50h0m0s old", "is not on the other node"}},
		{"a failed copy, since then a newer backup copied here from the other node", func(r *Report) {
			r.Backup.PeerCopy = &maintenance.PeerCopy{Peer: "root@qvddb2", Failed: "qvddb-2026-12-01T030000.dump", FailedAt: ago(6 * 24 * time.Hour), Error: "no route to host"}
		}, OK, nil},
		{"failed action with expiry", func(r *Report) {
			r.Cluster.Failures = []Failure{{Resource: "p_postgres", Node: "qvddb1", FailCount: 1, Threshold: 2,
				LastFailure: ago(time.Minute), Expires: ago(-2 * time.Minute), Operation: "p_postgres_monitor_10000", Reason: "no write"}}
		}, Warning, []string{"p_postgres failed 1 time(s) on qvddb1 (p_postgres_monitor_10000: no write); forgotten at 2026-12-07 12:02:00 UTC … crm resource cleanup p_postgres qvddb1"}},
		{"failure-timeout passed", func(r *Report) {
			r.Cluster.Failures = []Failure{{Resource: "p_ip_postgres", Node: "qvddb1", FailCount: 1, Threshold: 2,
				LastFailure: ago(time.Hour), Expires: ago(57 * time.Minute)}}
		}, Warning, []string{"failure-timeout passed at 2026-12-07 11:03:00 UTC, forgotten at Pacemaker's next recheck"}},
		{"failures banned the node", func(r *Report) {
			r.FailureTimeout = 0
			r.Cluster.Failures = []Failure{{Resource: "p_postgres", Node: "qvddb2", FailCount: 2, Threshold: 2}}
		}, Warning, []string{"p_postgres is banned from qvddb2 (migration-threshold 2); it is not forgotten on its own"}},
		{"maintenance-mode", func(r *Report) { r.Cluster.MaintenanceMode = true }, Warning,
			[]string{"maintenance-mode is on … maintenance-mode=false"}},
		{"node unclean", func(r *Report) { r.Cluster.Nodes[1] = Node{Name: "qvddb2", Unclean: true} }, Critical,
			[]string{"node qvddb2 is unclean"}},
		{"node offline", func(r *Report) { r.Cluster.Nodes[1] = Node{Name: "qvddb2"} }, Warning,
			[]string{"node qvddb2 is offline"}},
		{"node standby", func(r *Report) { r.Cluster.Nodes[1].Standby = true }, Warning,
			[]string{"node qvddb2 is in standby … crm node online qvddb2"}},
		{"node maintenance", func(r *Report) { r.Cluster.Nodes[1].Maintenance = true }, Warning,
			[]string{"node qvddb2 is in maintenance"}},
		{"clock not synchronised", func(r *Report) {
			r.Clock = &Clock{Warnings: []string{"the clock is not synchronised (chronyc tracking: Leap status \"Not synchronised\")"}}
		}, Warning, []string{"clock of qvddb1: the clock is not synchronised"}},
		{"stack down: unknown with what it read", func(r *Report) {
			r.Cluster, r.Constraints, r.Fencing, r.Links, r.Database = nil, nil, nil, nil, nil
			r.Errors = []SourceError{{Source: "pacemaker", Error: "crm_mon exited with status 102"}}
		}, Unknown, []string{"cannot read pacemaker on qvddb1: crm_mon exited with status 102: is the cluster stack running here?"}},
		{"not root", func(r *Report) {
			r.Cluster, r.Links, r.Database = nil, nil, nil
			r.Errors = []SourceError{{Source: "corosync", Error: "error 11", NeedsRoot: true}, {Source: "database", Error: "FATAL: Peer authentication failed", NeedsRoot: true},
				{Source: "pacemaker", Error: "crm_mon exited with status 102"}}
		}, Unknown, []string{"cannot read pacemaker on qvddb1", "status is not running as root and may not read corosync, database on qvddb1: run it as root"}},
		{"critical beats unknown", func(r *Report) {
			r.Cluster.DatabaseOn = nil
			r.Errors = []SourceError{{Source: "corosync", Error: "no"}}
		}, Critical, []string{"cannot read corosync", "the database runs nowhere"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := healthy()
			tt.edit(r)
			ps := Evaluate(r, DefaultThresholds)
			if got := Worst(ps); got != tt.level {
				t.Errorf("level %v, want %v; problems %+v", got, tt.level, ps)
			}
			if len(ps) != len(tt.want) {
				t.Fatalf("%d problems, want %d: %+v", len(ps), len(tt.want), ps)
			}
			for i, w := range tt.want {
				for _, part := range strings.Split(w, " … ") {
					if !strings.Contains(ps[i].Text, part) {
						t.Errorf("problem %d %q does not say %q", i, ps[i].Text, part)
					}
				}
				if !strings.Contains(ps[i].Text, ":") {
					t.Errorf("problem %d %q says nothing of what to do", i, ps[i].Text)
				}
			}
		})
	}
}
