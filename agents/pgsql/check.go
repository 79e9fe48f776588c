package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/internal/peercred"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// checkServer connects to this node's server and runs the write check.
// Every step is bounded by ctx.
func (in *instance) checkServer(ctx context.Context, pm *pidFile) error {
	conn, err := in.connect(ctx, pm)
	if err != nil {
		return err
	}
	defer closeConn(conn)
	return in.writeCheck(ctx, conn, pm)
}

// connect connects to this node's server and makes sure the server that
// answered is the one running on pgdata (started by pm).
func (in *instance) connect(ctx context.Context, pm *pidFile) (*pgx.Conn, error) {
	cfg, err := in.connConfig(ctx, pm)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, in.explain(ctx, err, "connect", pm)
	}
	if err := in.identify(ctx, conn, cfg.Host, pm); err != nil {
		closeConn(conn)
		return nil, err
	}
	return conn, nil
}

// closeConn closes without waiting on a server that stopped answering.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_ = conn.Close(ctx)
}

// identify checks that the server behind conn runs on pgdata, as postmaster
// pm of this node: an address can lead to another node's server.
func (in *instance) identify(ctx context.Context, conn *pgx.Conn, host string, pm *pidFile) error {
	var sysID int64
	var backend int
	if err := conn.QueryRow(ctx, "select system_identifier, pg_backend_pid() from pg_control_system()").Scan(&sysID, &backend); err != nil {
		return in.explain(ctx, err, "identity query", pm)
	}
	want, err := systemIdentifier(in.dir)
	if err != nil {
		return err
	}
	if sysID != want {
		return ocf.Fail(ocf.NotRunning, "the server answering on %s is not the one of %s (system identifier %d, expected %d)", host, in.dir, sysID, want)
	}
	if p := readProc(backend); p == nil || p.PPID != pm.PID {
		return ocf.Fail(ocf.NotRunning, "the server answering on %s has the data of %s but is not postmaster %d of this node", host, in.dir, pm.PID)
	}
	return nil
}

// writeCheck runs monitor_sql and insists that it changed a row.
func (in *instance) writeCheck(ctx context.Context, conn *pgx.Conn, pm *pidFile) error {
	tag, err := conn.Exec(ctx, in.monitorSQL)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" && in.managedTable {
		if !in.createTable {
			return ocf.Fail(ocf.ErrConfigured, "monitor table %s does not exist in database %s: create it or set create_monitor_table=true", in.table, in.db)
		}
		if err := in.checkMonitorDatabase(); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf("create table if not exists %s (last_update timestamp)", in.table)); err != nil {
			return in.explain(ctx, err, "create monitor table "+in.table, pm)
		}
		in.log.Infof("created monitor table %s in database %s", in.table, in.db)
		tag, err = conn.Exec(ctx, in.monitorSQL)
	}
	if err != nil {
		return in.explain(ctx, err, "write check", pm)
	}
	if (tag.Update() || tag.Delete() || tag.Insert()) && tag.RowsAffected() == 0 {
		if !in.managedTable {
			return ocf.Fail(ocf.ErrGeneric, "write check changed no row (%s): monitor_sql must change at least one row", tag)
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf("insert into %s (last_update) values (current_timestamp)", in.table)); err != nil {
			return in.explain(ctx, err, "insert the row of "+in.table, pm)
		}
		in.log.Infof("monitor table %s was empty: inserted its row", in.table)
	}
	return nil
}

// checkMonitorDatabase refuses to let the agent create its table in a
// template database, where every database created afterwards would copy
// it. A switched ocf:heartbeat:pgsql primitive often names template1, its
// default, as pgdb.
func (in *instance) checkMonitorDatabase() error {
	if in.managedTable && in.createTable && (in.db == "template1" || in.db == "template0") {
		return ocf.Fail(ocf.ErrConfigured, "pgdb=%s is a template: every new database would copy the monitor table; set pgdb to QVD's database, or monitor_sql", in.db)
	}
	return nil
}

// connConfig builds the monitor connection: the local socket of the running
// server, or pghost when it is an address of this node.
func (in *instance) connConfig(ctx context.Context, pm *pidFile) (*pgx.ConnConfig, error) {
	host, port := pm.SocketDir, pm.Port
	if in.socketDir != "" {
		host = in.socketDir
	}
	if host == "" {
		host = "/run/postgresql"
	}
	if port == 0 {
		port = in.port
	}
	if in.pghost != "" && !strings.HasPrefix(in.pghost, "/") {
		if local, err := isLocalAddress(ctx, in.pghost); err != nil {
			in.log.Warnf("pghost %s: %v; checking the local socket instead", in.pghost, err)
		} else if local {
			host, port = in.pghost, in.port
		} else {
			in.log.Debugf("pghost %s is not an address of this node; checking the local socket", in.pghost)
		}
	}
	// Build from keywords without the password so that the password file
	// lookup (PGPASSFILE or root's .pgpass) sees host, port, db and user.
	conninfo := fmt.Sprintf("host=%s port=%d dbname=%s user=%s application_name=%s sslmode=prefer",
		quote(host), port, quote(in.db), quote(in.user), quote("ocf:qvd:pgsql"))
	cfg, err := pgx.ParseConfig(conninfo)
	if err != nil {
		return nil, ocf.Fail(ocf.ErrConfigured, "monitor connection settings: %v", err)
	}
	if in.password != "" {
		cfg.Password = in.password
	}
	if in.user == in.dba && os.Geteuid() == 0 {
		// As pgdba, as ocf:heartbeat:pgsql's psql runs: the distribution's
		// pg_hba.conf ("local all postgres peer") admits pgdba's own
		// account on the socket, not root.
		u, err := in.owner()
		if err != nil {
			return nil, err
		}
		cred := runner.As(u)
		cfg.DialFunc = peercred.DialAs(int(cred.Uid), int(cred.Gid))
	}
	// Server-side limits, so that a statement stuck behind a lock is
	// cancelled by the server with a clear error before our own deadline.
	if dl, ok := ctx.Deadline(); ok {
		ms := int(time.Until(dl).Milliseconds()) * 9 / 10
		if ms < 1 {
			ms = 1
		}
		cfg.RuntimeParams["statement_timeout"] = strconv.Itoa(ms)
		cfg.RuntimeParams["lock_timeout"] = strconv.Itoa(ms)
		cfg.ConnectTimeout = time.Until(dl)
	}
	// The monitor connects every few seconds; a statement cache only costs.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	return cfg, nil
}

// explain turns a connection or query error into a result with a reason.
func (in *instance) explain(ctx context.Context, err error, what string, pm *pidFile) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "28P01" || pgErr.Code == "28000":
			if in.password != "" {
				// The password comes from the CIB: wrong on every node.
				return ocf.Fail(ocf.ErrConfigured, "%s: %s (check monitor_password)", what, pgErr.Message)
			}
			// Peer maps and .pgpass are files of this node. The server's
			// message names the method and the user.
			return ocf.Fail(ocf.ErrPerm, "%s: %s (check pg_hba.conf, pg_ident.conf, .pgpass on this node)", what, pgErr.Message)
		case pgErr.Code == "3D000":
			// pgdata and the databases in it move with the storage, so a
			// database missing here is missing wherever the instance runs.
			if in.dbDefault {
				return ocf.Fail(ocf.ErrConfigured, "database %s does not exist: set pgdb=<database of the write check> (the default is QVD's, not template1)", in.db)
			}
			return ocf.Fail(ocf.ErrConfigured, "database %s does not exist: set pgdb=<database of the write check>", in.db)
		case pgErr.Code == "25006":
			return ocf.Fail(ocf.ErrGeneric, "%s refused, the database is read-only: %s", what, pgErr.Message)
		case pgErr.Code == "55P03":
			return ocf.Fail(ocf.ErrGeneric, "%s did not get its lock within %s: another session holds it (%s)", what, in.budget(), pgErr.Message)
		case pgErr.Code == "57014":
			return ocf.Fail(ocf.ErrGeneric, "PostgreSQL did not answer within %s (%s cancelled: %s)", in.budget(), what, pgErr.Message)
		case strings.HasPrefix(pgErr.Code, "57P0"):
			return ocf.Fail(ocf.ErrGeneric, "%s: the server is shutting down or starting up: %s", what, pgErr.Message)
		}
		return ocf.Fail(ocf.ErrGeneric, "%s failed: %s (SQLSTATE %s)", what, pgErr.Message, pgErr.Code)
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		hint := ""
		if p := readProc(pm.PID); p != nil && p.State == 'T' {
			hint = fmt.Sprintf("; postmaster %d is stopped by a signal", pm.PID)
		}
		return ocf.Fail(ocf.ErrGeneric, "PostgreSQL did not answer within %s (%s%s)", in.budget(), what, hint)
	}
	return ocf.Fail(ocf.ErrGeneric, "%s failed: %v", what, err)
}

// isLocalAddress reports whether host resolves to an address configured on
// this node.
func isLocalAddress(ctx context.Context, host string) (bool, error) {
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		return false, fmt.Errorf("resolve: %w", err)
	}
	ifAddrs, err := net.InterfaceAddrs()
	if err != nil {
		return false, fmt.Errorf("list local addresses: %w", err)
	}
	for _, a := range addrs {
		ip := net.ParseIP(a)
		for _, ia := range ifAddrs {
			if n, ok := ia.(*net.IPNet); ok && n.IP.Equal(ip) {
				return true, nil
			}
		}
	}
	return false, nil
}

// quote writes a conninfo value: single-quoted, with \ and ' escaped.
func quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
