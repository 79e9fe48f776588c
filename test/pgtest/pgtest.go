// Package pgtest gives tests a private PostgreSQL instance: its own data
// directory, socket directory and port, owned by the postgres user, built
// with the server binaries of Debian's postgresql package; or a cluster
// made the distribution's way (pg_createcluster), with its stock
// configuration.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qvd-ha/qvd-ha/internal/peercred"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// BinDir holds initdb, pg_ctl and postgres; QVD_PG_BINDIR overrides it.
var BinDir = envOr("QVD_PG_BINDIR", "/usr/lib/postgresql/15/bin")

// The QVD database, user and password every instance is created with.
const (
	DB       = "qvddb"
	User     = "qvd"
	Password = "qvd-test-secret"
	// SuperuserPassword is postgres's, for tests that take the socket's
	// trust away from it.
	SuperuserPassword = "postgres-pw"
)

// Server is a private PostgreSQL instance. It is created stopped.
type Server struct {
	t         testing.TB
	Root      string // holds Data, the socket directory and the log
	Data      string
	SocketDir string
	Port      int
	Log       string
	Owner     *user.User
	// Config is postgresql.conf when it is not in Data (Debian keeps it
	// under /etc/postgresql).
	Config string
}

// New initialises an instance with the QVD database and user and the
// runbook's pacemaker_monitor table holding one row. Local connections as
// postgres are trusted; qvd authenticates with its password everywhere.
func New(t testing.TB) *Server {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("pgtest needs root: it runs PostgreSQL as the postgres user")
	}
	owner, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("pgtest needs the postgres user (apt-get install postgresql): %v", err)
	}
	root, err := os.MkdirTemp("", "qvd-pg-")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, Root: root, Data: filepath.Join(root, "data"), SocketDir: root,
		Log: filepath.Join(root, "server.log"), Port: FreePort(t), Owner: owner}
	s.chown(root)
	t.Cleanup(func() {
		s.Kill()
		os.RemoveAll(root)
	})

	pwfile := filepath.Join(root, "pw")
	if err := os.WriteFile(pwfile, []byte(SuperuserPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.chown(pwfile)
	s.Run(filepath.Join(BinDir, "initdb"), "-D", s.Data, "--auth-local=trust", "--auth-host=md5", "--pwfile", pwfile, "-E", "UTF8", "--no-sync")
	hba := "local all postgres trust\nlocal all all md5\nhost all all 127.0.0.1/32 md5\nhost all all ::1/128 md5\n"
	if err := os.WriteFile(filepath.Join(s.Data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		t.Fatal(err)
	}
	s.chown(filepath.Join(s.Data, "pg_hba.conf"))
	conf := fmt.Sprintf("port = %d\nunix_socket_directories = '%s'\nlisten_addresses = '127.0.0.1'\nfsync = off\n", s.Port, s.SocketDir)
	f, err := os.OpenFile(filepath.Join(s.Data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(f, conf)
	f.Close()

	s.Start()
	s.Exec("postgres", fmt.Sprintf("create role %s login password '%s'", User, Password))
	s.Exec("postgres", fmt.Sprintf("create database %s owner %s", DB, User))
	s.Exec(DB, "set role "+User+"; create table pacemaker_monitor (last_update timestamp); insert into pacemaker_monitor values (current_timestamp)")
	s.Stop()
	return s
}

// Start starts the server with pg_ctl and waits until it accepts connections.
func (s *Server) Start() {
	s.t.Helper()
	args := []string{"start", "-w", "-D", s.Data, "-l", s.Log}
	if s.Config != "" {
		args = append(args, "-o", "-c config_file="+s.Config)
	}
	s.Run(filepath.Join(BinDir, "pg_ctl"), args...)
}

// Stop stops the server with a fast shutdown.
func (s *Server) Stop() {
	s.t.Helper()
	s.Run(filepath.Join(BinDir, "pg_ctl"), "stop", "-w", "-m", "fast", "-D", s.Data)
}

// Kill SIGKILLs every process whose working directory is the data
// directory, so that no test leaves a server behind whatever it did to it.
func (s *Server) Kill() {
	for _, pid := range s.Processes() {
		syscall.Kill(pid, syscall.SIGCONT)
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// Processes lists the live PIDs of the instance (postmaster and backends).
func (s *Server) Processes() []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err != nil || cwd != s.Data {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err == nil && !strings.Contains(string(stat), ") Z ") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// PostmasterPID reads the PID from postmaster.pid.
func (s *Server) PostmasterPID() int {
	s.t.Helper()
	raw, err := os.ReadFile(filepath.Join(s.Data, "postmaster.pid"))
	if err != nil {
		s.t.Fatalf("read postmaster.pid: %v", err)
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(raw), "\n", 2)[0])
	return pid
}

// Connect opens a connection as the superuser over the socket, with the
// postgres account's peer credentials: a stock pg_hba.conf admits only
// those.
func (s *Server) Connect(ctx context.Context, db string) *pgx.Conn {
	s.t.Helper()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d user=postgres dbname=%s", s.SocketDir, s.Port, db))
	if err != nil {
		s.t.Fatal(err)
	}
	uid, _ := strconv.Atoi(s.Owner.Uid)
	gid, _ := strconv.Atoi(s.Owner.Gid)
	cfg.DialFunc = peercred.DialAs(uid, gid)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		s.t.Fatalf("connect to %s: %v", db, err)
	}
	s.t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Exec runs SQL as the superuser in db.
func (s *Server) Exec(db, sql string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn := s.Connect(ctx, db)
	if _, err := conn.Exec(ctx, sql); err != nil {
		s.t.Fatalf("%s: %v", sql, err)
	}
	conn.Close(ctx)
}

// Run runs a command as the postgres user, with its groups (Debian's
// clusters read the snakeoil key as a member of ssl-cert), and fails the
// test on error.
func (s *Server) Run(path string, args ...string) {
	s.t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Dir = s.Root
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: runner.As(s.Owner)}
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Fatalf("%s %s: %v\n%s", path, strings.Join(args, " "), err, out)
	}
}

func (s *Server) chown(path string) {
	s.t.Helper()
	uid, _ := strconv.Atoi(s.Owner.Uid)
	gid, _ := strconv.Atoi(s.Owner.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		s.t.Fatal(err)
	}
}

// Debian's layout of a cluster made by pg_createcluster.
const (
	clusterVersion = "15"
	clusterSockets = "/var/run/postgresql"
)

// NewCluster makes a cluster the distribution's way, pg_createcluster, and
// leaves its configuration as the package wrote it: pg_hba.conf admits
// postgres on the socket by peer authentication only, and other users with
// scram-sha-256 passwords over TCP. It is created stopped, with no QVD
// database, and dropped when the test ends.
func NewCluster(t testing.TB) *Server {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("pgtest needs root: pg_createcluster makes clusters as root")
	}
	owner, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("pgtest needs the postgres user (apt-get install postgresql): %v", err)
	}
	port := FreePort(t)
	name := fmt.Sprintf("qvdtest%d", port)
	etc := filepath.Join("/etc/postgresql", clusterVersion, name)
	s := &Server{t: t, Root: etc, Data: filepath.Join("/var/lib/postgresql", clusterVersion, name),
		SocketDir: clusterSockets, Port: port, Owner: owner, Config: filepath.Join(etc, "postgresql.conf"),
		Log: filepath.Join("/var/log/postgresql", fmt.Sprintf("postgresql-%s-%s.log", clusterVersion, name))}
	// --no-sync only spares initdb's fsync; the configuration is stock.
	out, err := exec.Command("pg_createcluster", clusterVersion, name, "-p", strconv.Itoa(port), "--", "--no-sync").CombinedOutput()
	if err != nil {
		t.Fatalf("pg_createcluster %s %s: %v\n%s", clusterVersion, name, err, out)
	}
	t.Cleanup(func() {
		// Whatever a test did to it (kill -9, SIGSTOP), nothing of it stays.
		s.Kill()
		if out, err := exec.Command("pg_dropcluster", "--stop", clusterVersion, name).CombinedOutput(); err != nil {
			t.Errorf("pg_dropcluster %s %s: %v\n%s", clusterVersion, name, err, out)
		}
	})
	return s
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
