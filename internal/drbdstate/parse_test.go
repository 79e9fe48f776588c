package drbdstate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// captured84 are the states testdata/drbd84 recorded from real DRBD 8.4.
var captured84 = []string{
	"secondary-connected-inconsistent", "sync-source", "sync-target", "secondary-connected-uptodate",
	"primary-connected-uptodate", "secondary-peer-primary", "primary-wfconnection", "primary-standalone",
	"secondary-outdated-standalone", "splitbrain-node1", "splitbrain-node2",
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// one is a resource with one volume, minor 0.
func one(role, peerRole, conn, disk, peerDisk, repl string) Resource {
	return Resource{Up: true, Role: role, PeerRole: peerRole, Conn: conn,
		Volumes: []Volume{{Disk: disk, PeerDisk: peerDisk, Replication: repl, OutOfSync: -1}}}
}

func TestParseEvents2Captured(t *testing.T) {
	for _, tc := range []struct {
		file string
		want Resource
	}{
		{"drbd84/primary-connected-uptodate.drbdsetup-events2.txt", one("Primary", "Secondary", "Connected", "UpToDate", "UpToDate", "Established")},
		{"drbd84/primary-standalone.drbdsetup-events2.txt", one("Primary", "Unknown", "StandAlone", "UpToDate", "DUnknown", "Off")},
		{"drbd84/primary-wfconnection.drbdsetup-events2.txt", one("Primary", "Unknown", "Connecting", "UpToDate", "DUnknown", "Off")},
		{"drbd84/secondary-connected-inconsistent.drbdsetup-events2.txt", one("Secondary", "Secondary", "Connected", "Inconsistent", "Inconsistent", "Established")},
		{"drbd84/secondary-connected-uptodate.drbdsetup-events2.txt", one("Secondary", "Secondary", "Connected", "UpToDate", "UpToDate", "Established")},
		{"drbd84/secondary-peer-primary.drbdsetup-events2.txt", one("Secondary", "Primary", "Connected", "UpToDate", "UpToDate", "Established")},
		{"drbd84/secondary-outdated-standalone.drbdsetup-events2.txt", one("Secondary", "Unknown", "StandAlone", "Outdated", "DUnknown", "Off")},
		{"drbd84/sync-source.drbdsetup-events2.txt", one("Primary", "Secondary", "Connected", "UpToDate", "Inconsistent", "SyncSource")},
		{"drbd84/sync-target.drbdsetup-events2.txt", one("Secondary", "Primary", "Connected", "Inconsistent", "UpToDate", "SyncTarget")},
		{"drbd84/splitbrain-node1.drbdsetup-events2.txt", one("Primary", "Unknown", "StandAlone", "UpToDate", "DUnknown", "Off")},
		{"drbd84/splitbrain-node2.drbdsetup-events2.txt", one("Primary", "Unknown", "StandAlone", "UpToDate", "DUnknown", "Off")},
		{"drbd84/unconfigured.drbdsetup-events2.txt", Resource{}},
		{"drbd9/primary-connected.txt", one("Primary", "Secondary", "Connected", "UpToDate", "UpToDate", "Established")},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := ParseEvents2(readFixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseEvents2:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseEvents2(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       Resource
		err        string
	}{
		{"empty", "", Resource{}, ""},
		{"no connection configured", "exists resource name:r0 role:Secondary\nexists device name:r0 volume:0 minor:3 disk:Inconsistent\nexists -\n",
			Resource{Up: true, Role: "Secondary", PeerRole: "Unknown", Conn: "StandAlone",
				Volumes: []Volume{{Minor: 3, Disk: "Inconsistent", PeerDisk: "DUnknown", Replication: "Off", OutOfSync: -1}}}, ""},
		{"two volumes, in minor order", "exists resource name:r0 role:Primary\n" +
			"exists connection name:r0 connection:Connected role:Secondary\n" +
			"exists device name:r0 volume:1 minor:11 disk:UpToDate\n" +
			"exists device name:r0 volume:0 minor:10 disk:UpToDate\n" +
			"exists peer-device name:r0 volume:0 replication:SyncSource peer-disk:Inconsistent done:5.5 out-of-sync:800\n" +
			"exists peer-device name:r0 volume:1 replication:Established peer-disk:UpToDate\nexists -\n",
			Resource{Up: true, Role: "Primary", PeerRole: "Secondary", Conn: "Connected", Volumes: []Volume{
				{Minor: 10, Disk: "UpToDate", PeerDisk: "Inconsistent", Replication: "SyncSource", Done: 5.5, OutOfSync: 800},
				{Minor: 11, Disk: "UpToDate", PeerDisk: "UpToDate", Replication: "Established", OutOfSync: -1}}}, ""},
		{"no resource", "exists device name:r0 volume:0 minor:0 disk:UpToDate\nexists -\n", Resource{}, "printed no resource"},
		{"bad minor", "exists resource name:r0 role:Primary\nexists device name:r0 volume:0 minor:x disk:UpToDate\n", Resource{}, "minor:x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseEvents2(tc.text)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseEvents2:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// The 8.4 outputs below were printed by `drbdsetup status r0 --verbose
// --statistics` (drbd-utils 9.22) on DRBD 8.4.11 in the test/drbd guests,
// but for status84Connecting, whose peer line is that of the non-verbose
// capture primary-wfconnection.
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
)

func TestParseStatus(t *testing.T) {
	vol := func(disk, peerDisk, repl string, done float64, oos int64) []Volume {
		return []Volume{{Disk: disk, PeerDisk: peerDisk, Replication: repl, Done: done, OutOfSync: oos}}
	}
	for _, tc := range []struct {
		name, text string
		want       Resource
	}{
		{"down", "", Resource{}},
		{"8.4 connecting", status84Connecting, Resource{Up: true, Role: "Secondary", PeerRole: "Unknown", Conn: "Connecting",
			Volumes: vol("Inconsistent", "DUnknown", "Off", 0, -1)}},
		{"8.4 both blank", status84Blank, Resource{Up: true, Role: "Secondary", PeerRole: "Secondary", Conn: "Connected",
			Volumes: vol("Inconsistent", "Inconsistent", "Established", 0, 348112)}},
		{"8.4 sync source", status84SyncSource, Resource{Up: true, Role: "Primary", PeerRole: "Secondary", Conn: "Connected",
			Volumes: vol("UpToDate", "Inconsistent", "SyncSource", 1.8, 341840)}},
		{"8.4 sync target", status84SyncTarget, Resource{Up: true, Role: "Secondary", PeerRole: "Primary", Conn: "Connected",
			Volumes: vol("Inconsistent", "UpToDate", "SyncTarget", 0.28, 347124)}},
		{"8.4 synced", status84Synced, Resource{Up: true, Role: "Secondary", PeerRole: "Secondary", Conn: "Connected",
			Volumes: vol("UpToDate", "UpToDate", "Established", 0, 0)}},
		{"9 sync source", readFixture(t, "drbd9/sync-source.drbdsetup-status.txt"), Resource{Up: true, Role: "Primary",
			PeerRole: "Secondary", Conn: "Connected", Volumes: vol("UpToDate", "Inconsistent", "SyncSource", 42.5, 602932)}},
		{"9 not verbose, idle", readFixture(t, "drbd9/secondary-idle.drbdsetup-status.txt"), Resource{Up: true,
			Role: "Secondary", PeerRole: "Secondary", Conn: "Connected", Volumes: vol("UpToDate", "UpToDate", "Established", 0, -1)}},
		{"standalone", "r0 role:Primary\n  disk:UpToDate\n", Resource{Up: true, Role: "Primary", PeerRole: "Unknown",
			Conn: "StandAlone", Volumes: vol("UpToDate", "DUnknown", "Off", 0, -1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseStatus(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseStatus:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseStatusBadNumbers(t *testing.T) {
	for _, text := range []string{
		"r0 role:Primary\n  disk:UpToDate\n  peer role:Secondary\n    replication:SyncSource peer-disk:Inconsistent done:x\n",
		"r0 role:Primary\n  disk:UpToDate\n  peer role:Secondary\n    received:0 out-of-sync:many\n",
	} {
		if _, err := ParseStatus(text); err == nil {
			t.Errorf("ParseStatus(%q): no error", text)
		}
	}
}

// TestStatusAgreesWithEvents2 reads drbdsetup status and events2, as real
// DRBD 8.4 printed them at the same moment, into the same state: the agent
// reads one, storage-init the other.
func TestStatusAgreesWithEvents2(t *testing.T) {
	for _, state := range captured84 {
		t.Run(state, func(t *testing.T) {
			events, err := ParseEvents2(readFixture(t, "drbd84/"+state+".drbdsetup-events2.txt"))
			if err != nil {
				t.Fatal(err)
			}
			status, err := ParseStatus(readFixture(t, "drbd84/"+state+".drbdsetup-status.txt"))
			if err != nil {
				t.Fatal(err)
			}
			// Non-verbose status shows how far a resync got, which
			// events2 --now does not.
			for i := range status.Volumes {
				status.Volumes[i].Done = 0
			}
			if !reflect.DeepEqual(events, status) {
				t.Errorf("events2 %+v\n status %+v", events, status)
			}
		})
	}
}

// TestStorageInitStates checks the helpers storage-init waits on, in the
// states it goes through.
func TestStorageInitStates(t *testing.T) {
	for _, tc := range []struct {
		state                   string
		connected, sync, synced bool
	}{
		{"secondary-connected-inconsistent", true, false, false},
		{"sync-source", true, true, false},
		{"sync-target", true, true, false},
		{"secondary-connected-uptodate", true, false, true},
		{"primary-wfconnection", false, false, false},
		{"primary-standalone", false, false, false},
	} {
		t.Run(tc.state, func(t *testing.T) {
			r, err := ParseStatus(readFixture(t, "drbd84/"+tc.state+".drbdsetup-status.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if !r.Up || r.Connected() != tc.connected || r.Volumes[0].Syncing() != tc.sync || r.Synced() != tc.synced {
				t.Errorf("%+v: connected %v, syncing %v, synced %v; want %v, %v, %v",
					r, r.Connected(), r.Volumes[0].Syncing(), r.Synced(), tc.connected, tc.sync, tc.synced)
			}
		})
	}
}

func TestAllDisksAndMinors(t *testing.T) {
	r := Resource{Up: true, Volumes: []Volume{{Minor: 1, Disk: UpToDate}, {Minor: 2, Disk: "Inconsistent"}}}
	upToDate := func(v Volume) bool { return v.Disk == UpToDate }
	if r.AllDisks(upToDate) || !r.AllDisks(func(v Volume) bool { return v.Disk != "" }) {
		t.Error("AllDisks does not require every volume")
	}
	if (Resource{Up: true}).AllDisks(upToDate) {
		t.Error("a resource without volumes satisfies AllDisks")
	}
	if got := r.Minors(); !reflect.DeepEqual(got, []int{1, 2}) {
		t.Errorf("Minors %v, want [1 2]", got)
	}
}
