//go:build root

package pgtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestNewClusterIsStock: a pg_createcluster cluster admits postgres on the
// socket by its peer credentials only (Connect), not root claiming to be
// postgres, and it is gone after the test.
func TestNewClusterIsStock(t *testing.T) {
	var data string
	t.Run("cluster", func(t *testing.T) {
		s := NewCluster(t)
		data = s.Data
		hba, err := os.ReadFile(filepath.Join(filepath.Dir(s.Config), "pg_hba.conf"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(hba), "\nlocal   all             postgres                                peer\n") {
			t.Fatalf("pg_hba.conf is not Debian's stock file:\n%s", hba)
		}
		s.Start()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var one int
		if err := s.Connect(ctx, "postgres").QueryRow(ctx, "select 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("select 1 as postgres by peer: %d, %v", one, err)
		}
		conn, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=%d user=postgres dbname=postgres", s.SocketDir, s.Port))
		if err == nil {
			conn.Close(ctx)
			t.Fatal("root connected as postgres: peer authentication is not in force")
		}
	})
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("%s still there after the test (stat: %v)", data, err)
	}
}
