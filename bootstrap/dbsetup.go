package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/files"
	"github.com/qvd-ha/qvd-ha/bootstrap/nodeconf"
	"github.com/qvd-ha/qvd-ha/bootstrap/pgsetup"
	"github.com/qvd-ha/qvd-ha/bootstrap/secret"
	"github.com/qvd-ha/qvd-ha/bootstrap/units"
	"github.com/qvd-ha/qvd-ha/internal/peercred"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// DefaultAdminConn is how db-init reaches PostgreSQL as its superuser: the
// local socket. libpq's environment (PGHOST, PGUSER, PGPASSWORD...) and
// ~/.pgpass apply.
const DefaultAdminConn = "host=/run/postgresql user=postgres dbname=postgres"

// connectSystemd opens systemd's D-Bus API; tests replace it.
var connectSystemd = func(ctx context.Context) (units.Manager, func(), error) {
	conn, err := units.Connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	return conn, conn.Close, nil
}

// dbCommands are the PostgreSQL and service set-up steps (runbook 8); each
// is idempotent and takes --dry-run.
func dbCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name: "postgres",
			Usage: "set serializable transactions, listen_addresses and scram-sha-256 in postgresql.conf, and the QVD " +
				"user's pg_hba.conf lines and the pacemaker peer map (runbook 8.2); other lines are kept",
			Flags: []cli.Flag{dryRunFlag,
				&cli.StringFlag{Name: "pgdata", Usage: "data `DIR` (default: pgsql.pgdata)"},
				&cli.StringFlag{Name: "listen", Usage: "listen_addresses `VALUE` instead of localhost and db.ip ('*' for all)"},
				&cli.StringSliceFlag{Name: "allow", Usage: "also let the QVD user in from `CIDR` (the QVD nodes; repeatable)"},
			},
			Action: withConfig(postgresStep),
		},
		{
			Name: "db-init",
			Usage: "create the QVD role (login, password from db.password_source), its database and the " +
				"pacemaker_monitor table with one row (runbook 8.1, 8.4); PostgreSQL must be running",
			Flags: []cli.Flag{dryRunFlag,
				&cli.StringFlag{Name: "admin", Value: DefaultAdminConn, Usage: "superuser connection `STRING` (libpq keywords; port defaults to pgsql.port)"},
				&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "give PostgreSQL at most `DURATION`"},
			},
			Action: withConfig(dbInitStep),
		},
		{
			Name:  "node-conf",
			Usage: "write the database keys of /etc/qvd/node.conf (runbook 8.3), mode 0600; other keys are kept",
			Flags: []cli.Flag{dryRunFlag,
				&cli.StringFlag{Name: "file", Value: nodeconf.Path, Usage: "node configuration `FILE`"},
			},
			Action: withConfig(nodeConfStep),
		},
		{
			Name:  "disable-units",
			Usage: "disable the postgresql and drbd systemd units so that only Pacemaker starts them",
			Flags: []cli.Flag{dryRunFlag,
				&cli.BoolFlag{Name: "stop", Usage: "also stop them now (never on a node where Pacemaker runs the database)"},
				&cli.DurationFlag{Name: "timeout", Value: 2 * time.Minute, Usage: "give systemd at most `DURATION`"},
			},
			Action: withConfig(disableUnitsStep),
		},
	}
}

func postgresStep(cCtx *cli.Context, c *config.Config) error {
	listen := pgsetup.ListenAddresses(c)
	if l := cCtx.String("listen"); l != "" {
		listen = strings.Split(l, ",")
	}
	var extra []netip.Prefix
	for _, a := range cCtx.StringSlice("allow") {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			return fmt.Errorf("postgres: --allow %s: not an address/prefix", a)
		}
		extra = append(extra, p)
	}
	dir := cCtx.String("pgdata")
	if dir == "" {
		dir = c.PGData
	}
	changed := false
	for _, f := range []struct {
		name     string
		mustHave bool
		edit     func(string) string
	}{
		{"postgresql.conf", true, func(s string) string { return pgsetup.Conf(s, c, listen) }},
		{"pg_hba.conf", true, func(s string) string { return pgsetup.HBA(s, c, extra) }},
		{"pg_ident.conf", false, func(s string) string { return pgsetup.Ident(s, c) }},
	} {
		name := filepath.Join(dir, f.name)
		old, err := os.ReadFile(name)
		missing := errors.Is(err, fs.ErrNotExist)
		if err != nil && (f.mustHave || !missing) {
			return fmt.Errorf("postgres: %w (is %s an initialised data directory?)", err, dir)
		}
		data := f.edit(string(old))
		if err := install(cCtx, name, []byte(data), 0o600); err != nil {
			return err
		}
		if data != string(old) {
			changed = true
		}
		if missing && !cCtx.Bool("dry-run") {
			if err := chownLike(name, dir); err != nil {
				return err
			}
		}
	}
	if changed && !cCtx.Bool("dry-run") {
		note(cCtx, "restart PostgreSQL for listen_addresses to take effect (a reload is enough for the rest)")
	}
	return nil
}

// chownLike gives name the owner of ref (the data directory's owner).
func chownLike(name, ref string) error {
	st, err := os.Stat(ref)
	if err != nil {
		return err
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return os.Chown(name, int(sys.Uid), int(sys.Gid))
	}
	return nil
}

// thisNode is --node, or the node whose name is the host name.
func thisNode(cCtx *cli.Context, c *config.Config) (config.Node, error) {
	name := cCtx.String("node")
	if name == "" {
		name, _ = os.Hostname()
	}
	i := slices.IndexFunc(c.Nodes[:], func(n config.Node) bool { return n.Name == name })
	if i < 0 {
		return config.Node{}, fmt.Errorf("%s: %q is neither %s nor %s; name the node with --node", cCtx.Command.Name, name, c.Nodes[0].Name, c.Nodes[1].Name)
	}
	return c.Nodes[i], nil
}

func password(cCtx *cli.Context, c *config.Config) (string, error) {
	return secret.Read(c.DBPasswordSource, cCtx.App.Reader, cCtx.App.ErrWriter)
}

func dbInitStep(cCtx *cli.Context, c *config.Config) error {
	pw, err := password(cCtx, c)
	if err != nil {
		return fmt.Errorf("db-init: %w", err)
	}
	cfg, err := pgx.ParseConfig(cCtx.String("admin"))
	if err != nil {
		return fmt.Errorf("db-init: --admin: %w", err)
	}
	if !strings.Contains(cCtx.String("admin"), "port=") && os.Getenv("PGPORT") == "" {
		cfg.Port = uint16(c.PGPort)
	}
	if err := peerAsSuperuser(cfg); err != nil {
		return fmt.Errorf("db-init: %w", err)
	}
	ctx, cancel := context.WithTimeout(cCtx.Context, cCtx.Duration("timeout"))
	defer cancel()
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("db-init: %w", err)
	}
	defer admin.Close(context.Background())
	connectDB := func(ctx context.Context, db string) (*pgx.Conn, error) {
		other := cfg.Copy()
		other.Database = db
		return pgx.ConnectConfig(ctx, other)
	}
	dry := cCtx.Bool("dry-run")
	done, err := pgsetup.Init(ctx, admin, connectDB, pgsetup.Spec{DB: c.DBName, User: c.DBUser, Password: pw}, dry)
	report(cCtx, done, dry, fmt.Sprintf("role %s, database %s and table %s are up to date", c.DBUser, c.DBName, pgsetup.MonitorTable))
	if err != nil {
		return fmt.Errorf("db-init: %w", err)
	}
	return nil
}

// peerAsSuperuser lets root reach PostgreSQL's socket as the superuser's
// own system account when no password is given: peer authentication, the
// default for "local all postgres", then admits it, and no password for
// postgres has to exist anywhere.
func peerAsSuperuser(cfg *pgx.ConnConfig) error {
	if os.Geteuid() != 0 || cfg.Password != "" || !strings.HasPrefix(cfg.Host, "/") || cfg.User == "root" {
		return nil
	}
	u, err := user.Lookup(cfg.User)
	if err != nil {
		var unknown user.UnknownUserError
		if errors.As(err, &unknown) {
			return nil // a database role with no system account: libpq's other methods apply
		}
		return fmt.Errorf("--admin: %w", err)
	}
	cred := runner.As(u)
	cfg.DialFunc = peercred.DialAs(int(cred.Uid), int(cred.Gid))
	return nil
}

// report prints what a step did or would do, or that nothing was to do.
func report(cCtx *cli.Context, done []string, dry bool, upToDate string) {
	out := cCtx.App.Writer
	if len(done) == 0 {
		fmt.Fprintln(out, upToDate)
		return
	}
	for _, d := range done {
		if dry {
			fmt.Fprintln(out, "would "+d)
		} else {
			fmt.Fprintln(out, "done: "+d)
		}
	}
}

func nodeConfStep(cCtx *cli.Context, c *config.Config) error {
	pw, err := password(cCtx, c)
	if err != nil {
		return fmt.Errorf("node-conf: %w", err)
	}
	name := cCtx.String("file")
	old, err := os.ReadFile(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("node-conf: %w", err)
	}
	data := nodeconf.Merge(string(old), nodeconf.Keys(c, pw))
	out := cCtx.App.Writer
	if cCtx.Bool("dry-run") {
		state := "would be changed"
		switch {
		case errors.Is(err, fs.ErrNotExist):
			state = "would be created"
		case data == string(old):
			state = "is up to date"
		}
		shown := nodeconf.Merge(string(old), nodeconf.Keys(c, nodeconf.Hidden))
		fmt.Fprintf(out, "%s %s (mode 0600); its content, password hidden:\n%s", name, state, shown)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("node-conf: %w", err)
	}
	changed, err := files.Update(name, []byte(data), nodeconf.Perm)
	if err != nil {
		return fmt.Errorf("node-conf: %w", err)
	}
	st, err := os.Stat(name)
	if err != nil {
		return fmt.Errorf("node-conf: %w", err)
	}
	if st.Mode().Perm() != nodeconf.Perm {
		if err := os.Chmod(name, nodeconf.Perm); err != nil {
			return fmt.Errorf("node-conf: %w", err)
		}
		fmt.Fprintf(out, "%s: mode %04o, set to 0600 (it holds the password)\n", name, st.Mode().Perm())
	}
	if changed {
		fmt.Fprintf(out, "%s written\n", name)
	} else {
		fmt.Fprintf(out, "%s is up to date\n", name)
	}
	return nil
}

func disableUnitsStep(cCtx *cli.Context, c *config.Config) error {
	ctx, cancel := context.WithTimeout(cCtx.Context, cCtx.Duration("timeout"))
	defer cancel()
	m, closeConn, err := connectSystemd(ctx)
	if err != nil {
		return fmt.Errorf("disable-units: systemd: %w", err)
	}
	defer closeConn()
	dry := cCtx.Bool("dry-run")
	done, err := units.Disable(ctx, m, units.Patterns(c.Storage == config.StorageDRBD), cCtx.Bool("stop"), dry)
	report(cCtx, done, dry, "no postgresql or drbd unit is enabled; Pacemaker alone starts them")
	if err != nil {
		return fmt.Errorf("disable-units: %w", err)
	}
	return nil
}
