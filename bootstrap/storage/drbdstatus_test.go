package storage

import (
	"os"
	"path/filepath"
	"testing"
)

// The 8.4 outputs below were printed by `drbdsetup status r0 --verbose
// --statistics` (drbd-utils 9.22) on DRBD 8.4.11 in the test/drbd guests,
// but for status84Connecting, whose peer line is that of the non-verbose
// fixture primary-wfconnection. The DRBD 9 one follows DRBD 9's layout.
const (
	status84Connecting = `r0 role:Secondary suspended:no
    write-ordering:flush
  volume:0 minor:0 disk:Inconsistent
      size:348112 read:0 written:0 al-writes:8 bm-writes:0 upper-pending:0
      lower-pending:0 al-suspended:no blocked:no
  peer connection:Connecting

`
	status84Blank = `r0 role:Secondary suspended:no
    write-ordering:flush
  volume:0 minor:0 disk:Inconsistent
      size:348112 read:0 written:0 al-writes:8 bm-writes:0 upper-pending:0
      lower-pending:0 al-suspended:no blocked:no
  peer connection:Connected role:Secondary congested:no
    volume:0 replication:Established peer-disk:Inconsistent resync-suspended:no
        received:0 sent:0 out-of-sync:348112 pending:0 unacked:0

`
	status84SyncSource = `r0 role:Primary suspended:no
    write-ordering:flush
  volume:0 minor:0 disk:UpToDate
      size:348112 read:6568 written:0 al-writes:8 bm-writes:0 upper-pending:0
      lower-pending:0 al-suspended:no blocked:no
  peer connection:Connected role:Secondary congested:no
    volume:0 replication:SyncSource peer-disk:Inconsistent done:1.80
        resync-suspended:no
        received:0 sent:6568 out-of-sync:341840 pending:2 unacked:0

`
	status84SyncTarget = `r0 role:Secondary suspended:no
    write-ordering:flush
  volume:0 minor:0 disk:Inconsistent
      size:348112 read:0 written:988 al-writes:8 bm-writes:0 upper-pending:0
      lower-pending:0 al-suspended:no blocked:no
  peer connection:Connected role:Primary congested:no
    volume:0 replication:SyncTarget peer-disk:UpToDate done:0.28
        resync-suspended:no
        received:988 sent:0 out-of-sync:347124 pending:0 unacked:0

`
	status84Synced = `r0 role:Secondary suspended:no
    write-ordering:flush
  volume:0 minor:0 disk:UpToDate
      size:348112 read:78225 written:416122 al-writes:10 bm-writes:0
      upper-pending:0 lower-pending:0 al-suspended:no blocked:no
  peer connection:Connected role:Secondary congested:no
    volume:0 replication:Established peer-disk:UpToDate resync-suspended:no
        received:0 sent:79538 out-of-sync:0 pending:0 unacked:0

`
	// DRBD 9 names the peer and numbers the nodes.
	status9SyncSource = `postgres node-id:0 role:Primary suspended:no
    write-ordering:flush
  volume:0 minor:0 disk:UpToDate quorum:yes
      size:1048576 read:2048 written:0 al-writes:0 bm-writes:0 upper-pending:0
      lower-pending:0 al-suspended:no blocked:no
  qvddb2 node-id:1 connection:Connected role:Secondary congested:no ap-in-flight:0
      rs-in-flight:0
    volume:0 replication:SyncSource peer-disk:Inconsistent done:42.50
        resync-suspended:no
        received:0 sent:445644 out-of-sync:602932 pending:0 unacked:0

`
)

func TestParseStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want drbdStatus
	}{
		{"down", "", drbdStatus{OutOfSync: -1}},
		{"8.4 connecting", status84Connecting,
			drbdStatus{Up: true, Role: "Secondary", Disk: "Inconsistent", Conn: "Connecting", OutOfSync: -1}},
		{"8.4 both blank", status84Blank, drbdStatus{Up: true, Role: "Secondary", Disk: "Inconsistent", Conn: "Connected",
			PeerRole: "Secondary", PeerDisk: "Inconsistent", Replication: "Established", OutOfSync: 348112}},
		{"8.4 sync source", status84SyncSource, drbdStatus{Up: true, Role: "Primary", Disk: "UpToDate", Conn: "Connected",
			PeerRole: "Secondary", PeerDisk: "Inconsistent", Replication: "SyncSource", Done: 1.8, OutOfSync: 341840}},
		{"8.4 sync target", status84SyncTarget, drbdStatus{Up: true, Role: "Secondary", Disk: "Inconsistent", Conn: "Connected",
			PeerRole: "Primary", PeerDisk: "UpToDate", Replication: "SyncTarget", Done: 0.28, OutOfSync: 347124}},
		{"8.4 synced", status84Synced, drbdStatus{Up: true, Role: "Secondary", Disk: "UpToDate", Conn: "Connected",
			PeerRole: "Secondary", PeerDisk: "UpToDate", Replication: "Established", OutOfSync: 0}},
		{"9 sync source", status9SyncSource, drbdStatus{Up: true, Role: "Primary", Disk: "UpToDate", Conn: "Connected",
			PeerRole: "Secondary", PeerDisk: "Inconsistent", Replication: "SyncSource", Done: 42.5, OutOfSync: 602932}},
		{"9 not verbose, idle", "postgres role:Secondary\n  disk:UpToDate\n  qvddb2 role:Secondary\n    peer-disk:UpToDate\n",
			drbdStatus{Up: true, Role: "Secondary", Disk: "UpToDate", Conn: "Connected", PeerRole: "Secondary",
				PeerDisk: "UpToDate", OutOfSync: -1}},
		{"standalone", "r0 role:Primary\n  disk:UpToDate\n",
			drbdStatus{Up: true, Role: "Primary", Disk: "UpToDate", Conn: "StandAlone", OutOfSync: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatus(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("parseStatus:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestParseStatusFixtures reads the non-verbose status of every state the
// DRBD agent's fixtures recorded from real DRBD 8.4.
func TestParseStatusFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "agents", "drbd", "testdata", "drbd84")
	for _, tc := range []struct {
		state           string
		connected, sync bool
		synced          bool
	}{
		{"secondary-connected-inconsistent", true, false, false},
		{"sync-source", true, true, false},
		{"sync-target", true, true, false},
		{"secondary-connected-uptodate", true, false, true},
		{"primary-wfconnection", false, false, false},
		{"primary-standalone", false, false, false},
	} {
		t.Run(tc.state, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join(dir, tc.state+".drbdsetup-status.txt"))
			if err != nil {
				t.Fatal(err)
			}
			st, err := parseStatus(string(text))
			if err != nil {
				t.Fatal(err)
			}
			if !st.Up || st.connected() != tc.connected || st.syncing() != tc.sync || st.synced() != tc.synced {
				t.Errorf("%+v: connected %v, syncing %v, synced %v; want %v, %v, %v",
					st, st.connected(), st.syncing(), st.synced(), tc.connected, tc.sync, tc.synced)
			}
		})
	}
}

func TestParseStatusBadNumbers(t *testing.T) {
	for _, text := range []string{
		"r0 role:Primary\n  disk:UpToDate\n  peer role:Secondary\n    replication:SyncSource peer-disk:Inconsistent done:x\n",
		"r0 role:Primary\n  disk:UpToDate\n  peer role:Secondary\n    received:0 out-of-sync:many\n",
	} {
		if _, err := parseStatus(text); err == nil {
			t.Errorf("parseStatus(%q): no error", text)
		}
	}
}
