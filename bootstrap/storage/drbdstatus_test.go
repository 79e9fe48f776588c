package storage

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDRBDStatus reads storage-init's view of the resource in the states
// real DRBD 8.4 was captured in (internal/drbdstate/testdata/drbd84, where
// drbdstate's own tests read every format) and how it reports them.
func TestDRBDStatus(t *testing.T) {
	dir := filepath.Join("..", "..", "internal", "drbdstate", "testdata", "drbd84")
	for _, tc := range []struct {
		state                   string
		connected, sync, synced bool
		shown                   string
	}{
		{"secondary-connected-inconsistent", true, false, false, "Secondary Inconsistent, Established, peer Secondary Inconsistent"},
		{"sync-source", true, true, false, "Primary UpToDate, SyncSource, peer Secondary Inconsistent"},
		{"sync-target", true, true, false, "Secondary Inconsistent, SyncTarget, peer Primary UpToDate"},
		{"secondary-connected-uptodate", true, false, true, "Secondary UpToDate, Established, peer Secondary UpToDate"},
		{"primary-wfconnection", false, false, false, "Primary UpToDate, Connecting"},
		{"primary-standalone", false, false, false, "Primary UpToDate, StandAlone"},
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
			if st.String() != tc.shown {
				t.Errorf("shown as %q, want %q", st, tc.shown)
			}
		})
	}
}

func TestDRBDStatusDown(t *testing.T) {
	st, err := parseStatus("")
	if err != nil {
		t.Fatal(err)
	}
	if st.Up || st.syncing() || st.OutOfSync != -1 || st.String() != "down" {
		t.Errorf("empty status read as %+v (%s), want down", st, st)
	}
	if _, err := parseStatus("r0 role:Primary\n  disk:UpToDate\n  peer role:Secondary\n    replication:SyncSource done:x\n"); err == nil {
		t.Error("a bad percentage read without an error")
	}
}
