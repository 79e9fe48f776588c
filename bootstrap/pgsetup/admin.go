package pgsetup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/qvd-ha/qvd-ha/internal/peercred"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// DefaultAdminConn is how db-init reaches PostgreSQL as its superuser: the
// local socket. libpq's environment (PGHOST, PGUSER, PGPASSWORD...) and
// ~/.pgpass apply.
const DefaultAdminConn = "host=/run/postgresql user=postgres dbname=postgres"

// AdminConfig is the superuser connection conn (libpq keywords), on port
// unless conn or PGPORT names one.
func AdminConfig(conn string, port int) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(conn)
	if err != nil {
		return nil, fmt.Errorf("--admin: %w", err)
	}
	if !strings.Contains(conn, "port=") && os.Getenv("PGPORT") == "" {
		cfg.Port = uint16(port)
	}
	if err := peerAsSuperuser(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// ConnectDB opens cfg's connection to another database, the connectDB
// that Init takes.
func ConnectDB(cfg *pgx.ConnConfig) func(context.Context, string) (*pgx.Conn, error) {
	return func(ctx context.Context, db string) (*pgx.Conn, error) {
		other := cfg.Copy()
		other.Database = db
		return pgx.ConnectConfig(ctx, other)
	}
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
