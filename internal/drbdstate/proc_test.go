package drbdstate

import (
	"path/filepath"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Version
		ok   bool
	}{
		{"8.0.0", Version{8, 0, 0}, true},
		{"9.0.16", Version{9, 0, 16}, true},
		{"10.0.0", Version{10, 0, 0}, true},
		{"9.0", Version{}, false},
		{"9.0.16-1", Version{}, false},
		{"v9.0.0", Version{}, false},
	} {
		got, err := ParseVersion(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if !(Version{8, 4, 11}).Less(Version{9, 0, 0}) || (Version{9, 0, 0}).Less(Version{9, 0, 0}) || (Version{10, 0, 0}).Less(Version{9, 9, 9}) {
		t.Error("Less orders versions wrongly")
	}
}

func TestModuleVersion(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       Version
		ok         bool
	}{
		{"DRBD 9 (its first line)", "version: 9.2.4 (api:2/proto:86-122)\nGIT-hash: 0 build by root, 2023-06-01\n", Version{9, 2, 4}, true},
		{"no version line", " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n", Version{}, false},
	} {
		got, err := ModuleVersion(tc.text)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("%s: %v, %v; want %v, ok %v", tc.name, got, err, tc.want, tc.ok)
		}
	}
}

// TestCapturedProc reads /proc/drbd as captured from DRBD 8.4 in every
// state: the module's version, and the device line, which must say what
// drbdadm role, cstate and dstate said at the same moment.
func TestCapturedProc(t *testing.T) {
	for _, state := range append([]string{"unconfigured"}, captured84...) {
		t.Run(state, func(t *testing.T) {
			proc := readFixture(t, filepath.Join("drbd84", state+".txt"))
			if v, err := ModuleVersion(proc); err != nil || v != (Version{8, 4, 11}) {
				t.Errorf("version %v, %v; want 8.4.11", v, err)
			}
			devs := ProcDevices(proc)
			if state == "unconfigured" {
				if len(devs) != 0 {
					t.Errorf("devices %+v, want none", devs)
				}
				return
			}
			if len(devs) != 1 || devs[0].Minor != 0 {
				t.Fatalf("devices %+v, want minor 0 alone", devs)
			}
			d := devs[0]
			role, peerRole := ParseAdm(readFixture(t, filepath.Join("drbd84", state+".role.txt")))
			cstate, _ := ParseAdm(readFixture(t, filepath.Join("drbd84", state+".cstate.txt")))
			disk, peerDisk := ParseAdm(readFixture(t, filepath.Join("drbd84", state+".dstate.txt")))
			want := ProcDevice{Minor: 0, CState: cstate, Role: role, PeerRole: peerRole, Disk: disk, PeerDisk: peerDisk}
			if d != want || role == "" || peerRole == "" || cstate == "" || disk == "" || peerDisk == "" {
				t.Errorf("/proc/drbd %+v, drbdadm %+v", d, want)
			}
		})
	}
}

func TestProcDevices(t *testing.T) {
	text := "version: 8.4.11 (api:1/proto:86-101)\n" +
		" 0: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----\n" +
		"    ns:3744 nr:0 dw:0 dr:3744 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:61752\n" +
		"\t[>...................] sync'ed:  6.3% (61752/65496)K\n" +
		" 1: cs:Unconfigured\n"
	want := []ProcDevice{
		{Minor: 0, CState: "SyncSource", Role: "Primary", PeerRole: "Secondary", Disk: "UpToDate", PeerDisk: "Inconsistent"},
		{Minor: 1, CState: "Unconfigured"},
	}
	got := ProcDevices(text)
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("ProcDevices:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseAdm(t *testing.T) {
	for _, tc := range []struct{ out, local, peer string }{
		{"Primary/Secondary\n", "Primary", "Secondary"},
		{"Primary\n", "Primary", ""}, // DRBD 9's role
		{"VerifyS\n", "VerifyS", ""},
		{"", "", ""},
	} {
		if local, peer := ParseAdm(tc.out); local != tc.local || peer != tc.peer {
			t.Errorf("ParseAdm(%q) = %q, %q; want %q, %q", tc.out, local, peer, tc.local, tc.peer)
		}
	}
}
