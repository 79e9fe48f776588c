package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/runner"
	"github.com/qvd-ha/qvd-ha/test/gobuild"
)

// PGBinDir holds the PostgreSQL server programs (Debian's layout).
const PGBinDir = "/usr/lib/postgresql/15/bin"

// DBPassword is the QVD user's password in the stack's database; the
// client writes with it through the floating IP.
const DBPassword = "qvd-cluster-secret"

// Stack is a cluster running the suite as the runbook deploys it: the CIB
// that qvd-ha-bootstrap writes for this topology (storage "shared" on a
// loop device, fencing "libvirt" through the power domains), loaded with
// crm, over the agents `make install` put on the host, which the nodes
// share.
type Stack struct {
	*Cluster
	Config *config.Config
	Disk   *SharedDisk
	// ConfigFile is the bootstrap configuration, Bin the directory of the
	// harness's own builds (qvd-ha-bootstrap, qvd-ha, nodewatch).
	ConfigFile, Bin string
}

// Up builds the stack called name in dir: the cluster with event
// recorders, the shared disk, the power domains, PostgreSQL initialised on
// the disk by the bootstrap's postgres and db-init steps, and the CIB; it
// returns once the database runs on the preferred node. tune adjusts the
// configuration (shorter timers for tests). On error the returned Stack,
// if not nil, must be destroyed.
func Up(ctx context.Context, name, dir string, tune func(*config.Config), logf func(string, ...any)) (*Stack, error) {
	bin := filepath.Join(dir, "bin")
	for pkg, out := range map[string]string{"/bootstrap": "qvd-ha-bootstrap", "/bootstrap/ops": "qvd-ha", "/test/cluster/nodewatch": "nodewatch"} {
		if err := gobuild.Static(ctx, gobuild.Module+pkg, filepath.Join(bin, out)); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	c, err := Create(ctx, name, dir, Options{Watch: filepath.Join(bin, "nodewatch"), MountPoint: SharedMountPoint(dir)})
	s := &Stack{Cluster: c, Bin: bin, ConfigFile: filepath.Join(dir, "bootstrap.conf")}
	if err != nil {
		return s, err
	}
	logf("two nodes online after %s", time.Since(start).Round(time.Second))
	if s.Disk, err = c.NewSharedDisk(ctx, 512<<20); err != nil {
		return s, err
	}
	if err := c.AddPower(ctx); err != nil {
		return s, err
	}
	logf("power domains defined after %s", time.Since(start).Round(time.Second))
	s.Config = c.baseConfig()
	s.Config.Storage = config.StorageShared
	s.Config.SharedDevice = s.Disk.Device
	s.Config.FSDirectory = s.Disk.MountPoint
	s.Config.PGData = s.Disk.MountPoint
	s.Config.PGCtl = filepath.Join(PGBinDir, "pg_ctl")
	s.Config.DBPasswordSource = "file:" + filepath.Join(dir, "qvd-password")
	if tune != nil {
		tune(s.Config)
	}
	if err := os.WriteFile(filepath.Join(dir, "qvd-password"), []byte(DBPassword+"\n"), 0o600); err != nil {
		return s, err
	}
	if err := os.WriteFile(s.ConfigFile, []byte(s.Config.Render()), 0o644); err != nil {
		return s, err
	}
	if err := s.initDatabase(ctx); err != nil {
		return s, err
	}
	crmFile := filepath.Join(dir, "qvd-ha.crm")
	if _, err := s.bootstrap(ctx, "--quiet", "crm", "-o", crmFile); err != nil {
		return s, err
	}
	if _, err := c.Nodes[0].Exec(ctx, "crm", "configure", "load", "update", crmFile); err != nil {
		return s, err
	}
	preferred := c.Node(s.Config.Preferred)
	if err := s.WaitDatabase(ctx, preferred); err != nil {
		return s, err
	}
	logf("database running on %s after %s", preferred.Name, time.Since(start).Round(time.Second))
	return s, nil
}

// AttachStack describes the stack called name whose state is in dir, as
// Up made it, without creating anything: what running qvd-ha in its nodes
// needs after the process that made it has gone (make demo-status).
func AttachStack(name, dir string) *Stack {
	return &Stack{Cluster: Attach(name, dir), Bin: filepath.Join(dir, "bin"), ConfigFile: filepath.Join(dir, "bootstrap.conf")}
}

// initDatabase is the runbook's sections 7-8 on the shared disk, mounted
// on the host: initdb, then the bootstrap's postgres and db-init steps
// against a server that listens on a private socket only.
func (s *Stack) initDatabase(ctx context.Context) error {
	owner, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("the postgres user is needed (Debian package postgresql): %w", err)
	}
	uid, _ := strconv.Atoi(owner.Uid)
	gid, _ := strconv.Atoi(owner.Gid)
	asPostgres := func(args ...string) error {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Dir = "/"
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	sock := filepath.Join(s.Dir, "pgsock")
	if err := os.MkdirAll(sock, 0o755); err != nil {
		return err
	}
	if err := os.Chown(sock, uid, gid); err != nil {
		return err
	}
	return s.Disk.WithMounted(ctx, func(dir string) error {
		if err := os.Chown(dir, uid, gid); err != nil {
			return err
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return err
		}
		if err := asPostgres(filepath.Join(PGBinDir, "initdb"), "-D", dir, "-E", "UTF8",
			"--auth-local=peer", "--auth-host=scram-sha-256"); err != nil {
			return err
		}
		if _, err := s.bootstrap(ctx, "postgres", "--pgdata", dir, "--allow", ClientIP+"/32"); err != nil {
			return err
		}
		pgctl := filepath.Join(PGBinDir, "pg_ctl")
		if err := asPostgres(pgctl, "start", "-w", "-D", dir, "-l", filepath.Join(sock, "log"),
			"-o", "-c listen_addresses='' -c unix_socket_directories='"+sock+"'"); err != nil {
			return err
		}
		_, initErr := s.bootstrap(ctx, "db-init", "--admin", "host="+sock+" user=postgres dbname=postgres")
		if err := asPostgres(pgctl, "stop", "-w", "-m", "fast", "-D", dir); err != nil && initErr == nil {
			initErr = err
		}
		return initErr
	})
}

// bootstrap runs the harness's qvd-ha-bootstrap with the stack's
// configuration, on the host.
func (s *Stack) bootstrap(ctx context.Context, args ...string) (string, error) {
	full := append([]string{"--config", s.ConfigFile}, args...)
	out, err := exec.CommandContext(ctx, filepath.Join(s.Bin, "qvd-ha-bootstrap"), full...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("qvd-ha-bootstrap %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// QVDHA runs the harness's qvd-ha with the stack's configuration inside
// node n, as an administrator on that node would. Its exit status is part
// of the answer (status's monitoring-plugin codes, switchover's refusals),
// so it is in the result, not an error; err is only for a command that
// could not run (the node is down).
func (s *Stack) QVDHA(ctx context.Context, n *Node, args ...string) (runner.Result, error) {
	full := append([]string{"--config", s.ConfigFile}, args...)
	res, err := n.runInside(ctx, runner.Cmd{Path: filepath.Join(s.Bin, "qvd-ha"), Args: full})
	var exit *runner.ExitError
	if errors.As(err, &exit) {
		return res, nil
	}
	return res, err
}

// keepLogs copies what explains a failure (each node's Pacemaker and
// corosync logs, console, power switch and event logs) out of the stack's
// directory, which Destroy removes, and returns where.
func (s *Stack) keepLogs() string {
	dst := filepath.Join(os.TempDir(), "qvd-ha-failed-"+s.Name)
	for _, n := range s.Nodes {
		for _, f := range []string{"var/log/pacemaker/pacemaker.log", "var/log/corosync/stdout.log", "console.log", "power.log", "events.log"} {
			data, err := os.ReadFile(filepath.Join(n.Dir, f))
			if err != nil {
				continue
			}
			out := filepath.Join(dst, n.Name, filepath.Base(f))
			if os.MkdirAll(filepath.Dir(out), 0o755) == nil {
				_ = os.WriteFile(out, data, 0o644)
			}
		}
	}
	return dst
}
