package status

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/maintenance"
)

// TestNewestBackup: the newest dump by name and its mtime, with this
// node's record of its copy to the other node; no directory is no backup;
// a record that does not read is an error naming it.
func TestNewestBackup(t *testing.T) {
	mtime := time.Date(2026, 12, 7, 3, 0, 40, 0, time.UTC)
	record := `{"peer":"root@qvddb2","copied":"qvddb-2026-12-06T030007.dump","copied_at":"2026-12-06T03:00:07Z",` +
		`"failed":"qvddb-2026-12-07T030012.dump","failed_at":"2026-12-07T03:00:12Z","error":"ssh root@qvddb2: Host key verification failed."}`
	tests := []struct {
		name       string
		files      map[string]string // nil: no directory
		newest     string
		peerFailed string // the record's failed dump, "" for no record
		wantErr    string
	}{
		{name: "no directory"},
		{name: "empty", files: map[string]string{}},
		{name: "dumps and a record", files: map[string]string{
			"qvddb-2026-12-06T030007.dump": "", "qvddb-2026-12-07T030012.dump": "", "cib-2026-12-08T030000.xml.gz": "",
			"qvddb-2026-12-09T030000.dump.bak": "", "other-2026-12-09T030000.dump": "", maintenance.PeerCopyFile: record,
		}, newest: "qvddb-2026-12-07T030012.dump", peerFailed: "qvddb-2026-12-07T030012.dump"},
		{name: "a broken record", files: map[string]string{"qvddb-2026-12-07T030012.dump": "", maintenance.PeerCopyFile: "{"},
			wantErr: maintenance.PeerCopyFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "backup")
			if tt.files != nil {
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			for n, content := range tt.files {
				p := filepath.Join(dir, n)
				if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(p, mtime, mtime); err != nil {
					t.Fatal(err)
				}
			}
			b, err := newestBackup(dir, "qvddb")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("newestBackup: %+v, %v; want an error naming %s", b, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.Dir != dir || b.Newest != tt.newest || (b.At != nil) != (tt.newest != "") || b.At != nil && !b.At.Equal(mtime) {
				t.Errorf("newestBackup: %+v, want %s at %s", b, tt.newest, mtime)
			}
			switch pc := b.PeerCopy; {
			case tt.peerFailed == "" && pc != nil:
				t.Errorf("peer copy %+v, want none", pc)
			case tt.peerFailed != "" && (pc == nil || pc.Failed != tt.peerFailed || pc.Peer != "root@qvddb2" || pc.CopiedAt == nil):
				t.Errorf("peer copy %+v, want the record", pc)
			}
		})
	}
}
