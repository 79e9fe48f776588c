// Command pgsql is the OCF resource agent ocf:qvd:pgsql: one PostgreSQL
// instance whose monitor proves that the database can write, as the QVD
// runbook's pacemaker_monitor table does.
package main

import (
	"errors"
	"regexp"
	"strconv"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// version is stamped in by the build.
var version = "0.1.0"

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

var params = []ocf.Param{
	{Name: "pgctl", Default: "/usr/bin/pg_ctl", Short: "Path to pg_ctl",
		Long: "Path to the pg_ctl command of the PostgreSQL version that owns pgdata. It starts the server, as pgdba."},
	{Name: "psql", Default: "/usr/bin/psql", Short: "Path to psql (unused)",
		Deprecated: "ocf:qvd:pgsql talks to the server itself and never runs psql; the parameter is accepted so that a configuration written for ocf:heartbeat:pgsql keeps working.",
		Long:       "Accepted for compatibility with ocf:heartbeat:pgsql."},
	{Name: "pgdata", Default: "/var/lib/pgsql/data", Unique: true, Short: "Data directory",
		Long: "The PostgreSQL data directory. On the QVD cluster it is the mount point of the replicated filesystem, so it may be absent or empty on the node that does not run the database: a probe there reports the resource stopped."},
	{Name: "pgdba", Default: "postgres", Short: "Owner of the data directory",
		Long: "The operating-system user that owns pgdata and runs the server."},
	{Name: "pghost", Short: "Host used for the monitor connection",
		Long: "When this names an address of THIS node (for example the floating IP while it is held here), the monitor connects over TCP to it, which also checks listen_addresses and pg_hba.conf. Otherwise, and when empty, the monitor uses the local Unix socket of this node's server: the floating IP may be held by the other node, and its answer says nothing about this node's instance."},
	{Name: "pgport", Type: ocf.Integer, Default: "5432", Short: "Port", Check: portNumber,
		Long: "The port the server listens on (and the number of its Unix socket)."},
	{Name: "pgdb", Default: "qvddb", Short: "Database of the monitor",
		Long: "The database the monitor connects to and writes in: QVD's database, where the runbook creates pacemaker_monitor. (ocf:heartbeat:pgsql defaults to template1, which is the template of every new database and no place for a monitor table.)"},
	{Name: "monitor_user", Short: "User of the monitor connection",
		Long: "Database user of the monitor; empty means pgdba. The recommended set-up needs no password in the CIB: peer authentication on the local socket with a pg_ident.conf map from root to this user, or a .pgpass file in root's home directory."},
	{Name: "monitor_password", Secret: true, Short: "Password of monitor_user",
		Long: "Password of monitor_user. CIB values show in crm configure show and in cluster reports: prefer peer authentication or root's .pgpass. The value is never logged or shown."},
	{Name: "monitor_sql", Default: "update pacemaker_monitor set last_update=current_timestamp", Short: "Write check",
		Long: "The statement the monitor runs. It must change at least one row: an UPDATE that matches nothing succeeds without proving anything, so the monitor fails on it. When not set, the statement updates monitor_table, and the agent inserts the row if the table is empty."},
	{Name: "monitor_table", Default: "pacemaker_monitor", Short: "Table of the write check", Check: tableName,
		Long: "The table that the default monitor_sql updates (a column last_update of type timestamp), optionally schema-qualified."},
	{Name: "create_monitor_table", Type: ocf.Boolean, Default: "true", Short: "Create the monitor table",
		Long: "When monitor_sql is not set and monitor_table does not exist, create it (runbook section 8.4 creates it by hand). With false, a missing table is a configuration error that names the table."},
	{Name: "config", Short: "postgresql.conf",
		Long: "Path of postgresql.conf, when it is not in pgdata (passed to the server as config_file)."},
	{Name: "socketdir", Short: "Unix socket directory",
		Long: "Directory of the server's Unix socket (passed to the server as unix_socket_directories). Empty: the server's compiled-in default; the monitor reads the directory the running server uses from postmaster.pid."},
	{Name: "start_opt", Short: "Extra server options",
		Long: "Options appended to the server's command line, for example \"-c shared_buffers=1GB\"."},
	{Name: "ctl_opt", Short: "Extra pg_ctl options",
		Long: "Options appended to pg_ctl's command line."},
	{Name: "logfile", Default: "/dev/null", Short: "Server log file",
		Long: "File that receives the server's output during start (pg_ctl -l), and whose last lines the agent quotes when a start fails."},
	{Name: "stop_escalate", Type: ocf.Integer, Default: "90", Short: "Seconds of fast shutdown before escalating", Check: nonNegative,
		Long: "Seconds to wait for a fast shutdown before an immediate shutdown, always bounded by the stop operation's timeout: the agent then kills the postmaster and every backend, so that the stop succeeds in time and nothing left behind blocks the next start."},
}

var agent = ocf.Agent{
	Name:    "pgsql",
	Version: version,
	Short:   "PostgreSQL server whose monitor proves it can write",
	Long: `Manages one PostgreSQL instance for QVD. The monitor checks this node's instance, never whoever answers on an address: the postmaster named in postmaster.pid must be a live PostgreSQL process whose working directory is pgdata; the server that answers the connection must have pgdata's system identifier and the connection's backend must be a child of that postmaster; then the write check must change at least one row. Every step runs under a deadline derived from the operation's timeout, so a hung server is reported with a reason before Pacemaker's timeout.

Stop escalates from a fast shutdown to an immediate one and finally kills the postmaster and all its backends, within the operation's timeout.

A crashed instance (postmaster.pid naming a process that is gone or is not this instance's postmaster) is reported as not running (7) with a reason: it is not running, a probe after a node crash must say so, and Pacemaker's recovery of a recurring monitor's 7 is the same stop and start that rc 1 would bring.

Parameter names and meanings follow ocf:heartbeat:pgsql, so an existing configuration switches by changing the provider.`,
	Params: params,
	Actions: []ocf.Action{
		{Name: "start", Func: start, Timeout: 60 * time.Second},
		{Name: "stop", Func: stop, Timeout: 30 * time.Second},
		{Name: "monitor", Func: monitor, Timeout: 10 * time.Second, Interval: 10 * time.Second},
		{Name: "validate-all", Func: validate, Timeout: 10 * time.Second},
	},
}

func main() { ocf.Main(agent) }

func portNumber(v string) error {
	if n, err := strconv.Atoi(v); err == nil && (n < 1 || n > 65535) {
		return errors.New("not a port number (1-65535)")
	}
	return nil
}

func nonNegative(v string) error {
	if n, err := strconv.Atoi(v); err == nil && n < 0 {
		return errors.New("must not be negative")
	}
	return nil
}

func tableName(v string) error {
	if !identifier.MatchString(v) {
		return errors.New("not a table name ([schema.]name of letters, digits and _)")
	}
	return nil
}
