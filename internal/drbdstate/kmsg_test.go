package drbdstate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSplitBrain(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  []string
		want bool
	}{
		{"none", []string{"block drbd0: conn( WFConnection -> Connected )"}, false},
		{"8.4 unresolved", []string{"block drbd0: Split-Brain detected but unresolved, dropping connection!"}, true},
		{"auto-resolved", []string{"block drbd0: Split-Brain detected, 1 primaries, automatically solved. Sync from this node"}, false},
		{"resolved later", []string{"block drbd0: Split-Brain detected but unresolved, dropping connection!", "block drbd0: conn( WFReportParams -> Connected ) disk( Outdated -> Inconsistent )"}, false},
		{"another device", []string{"block drbd10: Split-Brain detected but unresolved, dropping connection!"}, false},
		{"DRBD 9 form", []string{"drbd r0/0 drbd0 peer: Split-Brain detected but unresolved, dropping connection!"}, true},
	} {
		if got, _ := SplitBrain(tc.log, "r0", []int{0}); got != tc.want {
			t.Errorf("%s: split brain %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestCapturedSplitBrain reads the kernel log of both guests of a real
// DRBD 8.4 split brain.
func TestCapturedSplitBrain(t *testing.T) {
	for _, node := range []string{"node1", "node2"} {
		log := strings.Split(readFixture(t, "drbd84/splitbrain-"+node+".dmesg.txt"), "\n")
		if sb, line := SplitBrain(log, "r0", []int{0}); !sb || !strings.Contains(line, "Split-Brain detected") {
			t.Errorf("%s: split brain not found in the captured kernel log", node)
		}
	}
}

// TestReadKernelLog reads records in /dev/kmsg's format from a file, which
// like /dev/kmsg gives no more at its end.
func TestReadKernelLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmsg")
	records := "6,1,1000,-;block drbd0: conn( WFConnection -> Connected )\n SUBSYSTEM=block\n DEVICE=b147:0\n6,2,2000,-;d-con r0: conn( Disconnecting -> StandAlone )\n"
	if err := os.WriteFile(path, []byte(records), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadKernelLog(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"block drbd0: conn( WFConnection -> Connected )", "d-con r0: conn( Disconnecting -> StandAlone )"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadKernelLog: %q, want %q", got, want)
	}
	if _, err := ReadKernelLog(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("ReadKernelLog of a missing file: no error")
	}
}
