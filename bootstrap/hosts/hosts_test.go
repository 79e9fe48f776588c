package hosts

import (
	"slices"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

func TestMerge(t *testing.T) {
	entries := Entries(config.Default())
	want := begin + `
192.0.2.10      qvddb        # the database's floating address
192.0.2.11      qvddb1       # LAN, corosync link 0
192.0.2.12      qvddb2       # LAN, corosync link 0
198.51.100.11   qvddb1cx     # crossover, corosync link 1 and DRBD
198.51.100.12   qvddb2cx     # crossover, corosync link 1 and DRBD
` + end + "\n"
	for _, tc := range []struct {
		name, in, out string
		warnings      []string
	}{
		{"appended", "127.0.0.1 localhost\n", "127.0.0.1 localhost\n" + want, nil},
		{"no final newline", "127.0.0.1 localhost", "127.0.0.1 localhost\n" + want, nil},
		{"block replaced in place", "127.0.0.1 localhost\n" + begin + "\n192.0.2.99 qvddb\n" + end + "\n::1 localhost\n",
			"127.0.0.1 localhost\n" + want + "::1 localhost\n", nil},
		{"conflicts reported, kept", "127.0.0.1 localhost\n127.0.1.1 qvddb1.example.com qvddb1\n",
			"127.0.0.1 localhost\n127.0.1.1 qvddb1.example.com qvddb1\n" + want,
			[]string{"line 2 gives qvddb1 the address 127.0.1.1, not 192.0.2.11: remove it"}},
		{"same address elsewhere is fine", "192.0.2.11 qvddb1.example.com qvddb1\n", "192.0.2.11 qvddb1.example.com qvddb1\n" + want, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings := Merge(tc.in, entries)
			if got != tc.out {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.out)
			}
			if !slices.Equal(warnings, tc.warnings) {
				t.Errorf("warnings %q, want %q", warnings, tc.warnings)
			}
			again, _ := Merge(got, entries)
			if again != got {
				t.Errorf("a second merge changes the file:\n%s", again)
			}
			if strings.Count(got, begin) != 1 {
				t.Errorf("%d managed blocks", strings.Count(got, begin))
			}
		})
	}
}
