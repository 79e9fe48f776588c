//go:build root

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/qvd-ha/qvd-ha/test/pgtest"
)

// TestPostgresAndDBInit: on a data directory without the QVD role and
// database, postgres and db-init give a server that lets qvd in over TCP
// with scram-sha-256 (only our pg_hba.conf lines allow it) and root in as
// qvd through the pacemaker peer map, with the monitor table holding one
// row; second runs change nothing.
func TestPostgresAndDBInit(t *testing.T) {
	s := pgtest.New(t)
	s.Start()
	s.Exec("postgres", "drop database "+pgtest.DB)
	s.Exec("postgres", "drop role "+pgtest.User)
	// The administrator's own lines, which must survive; no line lets qvd in.
	// postgres gets in over the socket by peer authentication only (the
	// packaged default, which root's db-init must pass) and over TCP with
	// its password (the test's own connection).
	adminHBA := "# admin: superuser\nlocal all postgres peer\nhost all postgres 127.0.0.1/32 md5\n"
	hba := filepath.Join(s.Data, "pg_hba.conf")
	if err := os.WriteFile(hba, []byte(adminHBA), 0o600); err != nil {
		t.Fatal(err)
	}
	ident := filepath.Join(s.Data, "pg_ident.conf")
	if err := os.Remove(ident); err != nil {
		t.Fatal(err)
	}
	t.Setenv("QVD_TEST_PW", testPassword)
	set := []string{"--set", "node1.lan_addr=127.0.0.1", "--set", "pgsql.port=" + strconv.Itoa(s.Port),
		"--set", "db.password_source=env:QVD_TEST_PW"}
	pgArgs := append(append([]string{}, set...), "postgres", "--pgdata", s.Data)
	conf := filepath.Join(s.Data, "postgresql.conf")
	files := []string{conf, hba, ident}

	before := snapshot(t, files...)
	if out := runOK(t, append(pgArgs, "--dry-run")...); !strings.Contains(out, "would be") {
		t.Errorf("dry run: %q", out)
	}
	if after := snapshot(t, files...); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Error("postgres --dry-run changed a file")
	}
	runOK(t, pgArgs...)
	first := snapshot(t, files...)
	if out := runOK(t, pgArgs...); strings.Contains(out, "written") {
		t.Errorf("second postgres run wrote: %q", out)
	}
	if second := snapshot(t, files...); fmt.Sprint(second) != fmt.Sprint(first) {
		t.Error("second postgres run changed a file")
	}
	for _, want := range []struct{ file, line string }{
		{conf, "default_transaction_isolation = 'serializable'"},
		{conf, "listen_addresses = 'localhost,192.0.2.10'"},
		{conf, "password_encryption = 'scram-sha-256'"},
		{hba, "# admin: superuser"},
		{hba, "local all postgres peer"},
		{ident, "pacemaker  root qvd"},
	} {
		if !strings.Contains(first[want.file], want.line+"\n") {
			t.Errorf("%s lacks %q:\n%s", want.file, want.line, first[want.file])
		}
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if uid := strconv.Itoa(int(st.Sys().(*syscall.Stat_t).Uid)); uid != s.Owner.Uid || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: owner %s, mode %04o; want postgres (%s), 0600", f, uid, st.Mode().Perm(), s.Owner.Uid)
		}
	}

	// listen_addresses needs a restart; the server must still read its
	// files (still owned by postgres).
	s.Stop()
	s.Start()

	admin := "host=" + s.SocketDir + " user=postgres dbname=postgres"
	dbArgs := append(append([]string{}, set...), "db-init", "--admin", admin)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	superuser := func(db string) *pgx.Conn {
		t.Helper()
		conn, err := pgx.Connect(ctx, fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=%s password=%s", s.Port, db, pgtest.SuperuserPassword))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		return conn
	}
	su := superuser("postgres")
	countRoles := func() int {
		t.Helper()
		var n int
		if err := su.QueryRow(ctx, "select count(*) from pg_roles where rolname = $1", pgtest.User).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	out := runOK(t, append(dbArgs, "--dry-run")...)
	if !strings.Contains(out, "would create role qvd") || !strings.Contains(out, "would create database qvddb") || countRoles() != 0 {
		t.Errorf("dry run: %q, %d roles", out, countRoles())
	}
	out = runOK(t, dbArgs...)
	for _, want := range []string{"done: create role qvd", "done: create database qvddb owned by qvd", "done: create table pacemaker_monitor"} {
		if !strings.Contains(out, want) {
			t.Errorf("first db-init: %q lacks %q", out, want)
		}
	}
	if out := runOK(t, dbArgs...); !strings.Contains(out, "up to date") || strings.Contains(out, "done:") {
		t.Errorf("second db-init: %q", out)
	}
	// db-init reached the socket as postgres; every thread is root again.
	tasks, _ := filepath.Glob("/proc/self/task/*/status")
	for _, task := range tasks {
		status, err := os.ReadFile(task)
		if err == nil && (!strings.Contains(string(status), "\nUid:\t0\t0\t0\t0\n") || !strings.Contains(string(status), "\nGid:\t0\t0\t0\t0\n")) {
			t.Errorf("%s: a thread is not root after db-init:\n%s", task, status)
		}
	}

	// qvd over TCP with its password: only the scram-sha-256 lines allow it.
	qvd := func(password string) (*pgx.Conn, error) {
		return pgx.Connect(ctx, fmt.Sprintf("host=127.0.0.1 port=%d user=qvd dbname=qvddb password=%s sslmode=disable", s.Port, password))
	}
	conn, err := qvd(testPassword)
	if err != nil {
		t.Fatalf("qvd over TCP: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	var rows int
	var isolation string
	if err := conn.QueryRow(ctx, "select count(*), current_setting('transaction_isolation') from pacemaker_monitor").Scan(&rows, &isolation); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || isolation != "serializable" {
		t.Errorf("%d rows in pacemaker_monitor, isolation %s; want 1 row, serializable", rows, isolation)
	}
	if _, err := conn.Exec(ctx, "update pacemaker_monitor set last_update = current_timestamp"); err != nil {
		t.Errorf("qvd cannot update its monitor table: %v", err)
	}
	if c, err := qvd("wrong"); err == nil {
		c.Close(ctx)
		t.Error("qvd got in with a wrong password")
	}
	var stored string
	if err := su.QueryRow(ctx, "select rolpassword from pg_authid where rolname = 'qvd'").Scan(&stored); err != nil || !strings.HasPrefix(stored, "SCRAM-SHA-256$4096:") {
		t.Errorf("stored password %q, %v; want a SCRAM-SHA-256 verifier", stored, err)
	}
	// root as qvd over the socket without a password: the pacemaker map.
	peer, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=%d user=qvd dbname=qvddb", s.SocketDir, s.Port))
	if err != nil {
		t.Fatalf("root as qvd through the peer map: %v", err)
	}
	peer.Close(ctx)

	// A changed password and an emptied table are repaired, then quiet again.
	t.Setenv("QVD_TEST_PW", "new-"+testPassword)
	if _, err := superuser(pgtest.DB).Exec(ctx, "delete from pacemaker_monitor"); err != nil {
		t.Fatal(err)
	}
	out = runOK(t, dbArgs...)
	if !strings.Contains(out, "done: set the password of role qvd") || !strings.Contains(out, "done: insert one row") {
		t.Errorf("db-init after changes: %q", out)
	}
	if c, err := qvd("new-" + testPassword); err != nil {
		t.Errorf("qvd with the new password: %v", err)
	} else {
		c.Close(ctx)
	}
	if out := runOK(t, dbArgs...); !strings.Contains(out, "up to date") {
		t.Errorf("db-init after the repair: %q", out)
	}
	if log, err := os.ReadFile(s.Log); err != nil || strings.Contains(string(log), testPassword) {
		t.Errorf("the server log holds the password (or is unreadable: %v)", err)
	}
}
