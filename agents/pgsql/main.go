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
		Ignored: "ocf:qvd:pgsql talks to the server itself and never runs psql.",
		Long:    "ocf:heartbeat:pgsql's client program."},
	{Name: "pglibs", Default: "/usr/lib", Short: "PostgreSQL libraries (unused)",
		Ignored: "ocf:qvd:pgsql loads no PostgreSQL library: it speaks the protocol itself.",
		Long:    "ocf:heartbeat:pgsql's LD_LIBRARY_PATH for psql."},
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
		Long: "Database user of the monitor; empty means pgdba. As pgdba the monitor connects to the local socket with pgdba's own peer credentials, so a stock pg_hba.conf (local all postgres peer) admits it. Another user needs no password in the CIB either: a pg_ident.conf map from root to it, or a .pgpass file in root's home directory (as /etc/passwd names it, whatever HOME is) or in PGPASSFILE."},
	{Name: "monitor_password", Secret: true, Short: "Password of monitor_user",
		Long: "Password of monitor_user. CIB values show in crm configure show and in cluster reports: prefer peer authentication or a .pgpass file (see monitor_user). The value is never logged or shown."},
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
	{Name: "rep_mode", Default: "none", Short: "Streaming replication mode (only none)",
		Long: "ocf:heartbeat:pgsql's streaming replication (async, sync, slave). The QVD runbook replicates the data directory with DRBD, so only none is accepted: any other value makes validate-all and start fail with rc 6, on every node, rather than run a single server where replicas were asked for."},
	{Name: "node_list", Ignored: replicationOnly, Short: "Replication nodes", Long: "ocf:heartbeat:pgsql: the nodes of the replication set."},
	{Name: "restore_command", Ignored: replicationOnly, Short: "restore_command of recovery", Long: "ocf:heartbeat:pgsql: restore_command written for a standby."},
	{Name: "archive_cleanup_command", Ignored: replicationOnly, Short: "archive_cleanup_command of recovery", Long: "ocf:heartbeat:pgsql: archive_cleanup_command written for a standby."},
	{Name: "recovery_end_command", Ignored: replicationOnly, Short: "recovery_end_command of recovery", Long: "ocf:heartbeat:pgsql: recovery_end_command written for a standby."},
	{Name: "master_ip", Ignored: replicationOnly, Short: "Address of the replication primary", Long: "ocf:heartbeat:pgsql: the address standbys replicate from."},
	{Name: "repuser", Ignored: replicationOnly, Default: "postgres", Short: "Replication user", Long: "ocf:heartbeat:pgsql: the user standbys replicate as."},
	{Name: "primary_conninfo_opt", Ignored: replicationOnly, Short: "Extra primary_conninfo", Long: "ocf:heartbeat:pgsql: options appended to a standby's primary_conninfo."},
	{Name: "restart_on_promote", Ignored: replicationOnly, Type: ocf.Boolean, Default: "false", Short: "Restart on promote", Long: "ocf:heartbeat:pgsql: restart the server after promoting it."},
	{Name: "replication_slot_name", Ignored: replicationOnly, Short: "Replication slot prefix", Long: "ocf:heartbeat:pgsql: the prefix of the replication slots."},
	{Name: "tmpdir", Ignored: replicationOnly, Default: "/var/lib/pgsql/tmp", Short: "Replication state directory", Long: "ocf:heartbeat:pgsql: where the replication lock and notes are kept."},
	{Name: "xlog_check_count", Ignored: replicationOnly, Type: ocf.Integer, Default: "3", Short: "WAL position checks", Long: "ocf:heartbeat:pgsql: how many times the WAL position is compared before a promotion."},
	{Name: "crm_attr_timeout", Ignored: replicationOnly, Type: ocf.Integer, Default: "5", Short: "crm_attribute timeout", Long: "ocf:heartbeat:pgsql: the timeout of its crm_attribute updates."},
	{Name: "stop_escalate_in_slave", Ignored: replicationOnly, Type: ocf.Integer, Default: "90", Short: "Stop escalation of a standby", Long: "ocf:heartbeat:pgsql: stop_escalate for a standby."},
	{Name: "check_wal_receiver", Ignored: replicationOnly, Type: ocf.Boolean, Default: "false", Short: "Check the WAL receiver", Long: "ocf:heartbeat:pgsql: check a standby's WAL receiver on monitor."},
}

// replicationOnly is why the rest of ocf:heartbeat:pgsql's replication
// family is accepted and ignored: it has no effect there either unless
// rep_mode is set, and a rep_mode other than none is refused.
const replicationOnly = "used only by ocf:heartbeat:pgsql's streaming replication (rep_mode), which ocf:qvd:pgsql refuses."

var agent = ocf.Agent{
	Name:    "pgsql",
	Version: version,
	Short:   "PostgreSQL server whose monitor proves it can write",
	Long: `Manages one PostgreSQL instance for QVD. The monitor checks this node's instance, never whoever answers on an address: the postmaster named in postmaster.pid must be a live PostgreSQL process whose working directory is pgdata; the server that answers the connection must have pgdata's system identifier and the connection's backend must be a child of that postmaster; then the write check must change at least one row. Every step runs under a deadline derived from the operation's timeout, so a hung server is reported with a reason before Pacemaker's timeout.

Stop escalates from a fast shutdown to an immediate one and finally kills the postmaster and all its backends, within the operation's timeout.

A crashed instance (postmaster.pid naming a process that is gone or is not this instance's postmaster) is reported as not running (7) with a reason: it is not running, a probe after a node crash must say so, and Pacemaker's recovery of a recurring monitor's 7 is the same stop and start that rc 1 would bring.

Parameter names and meanings follow ocf:heartbeat:pgsql, so an existing configuration switches by changing the provider; ocf_qvd_pgsql(7) lists where the behaviour differs (defaults, authentication, replication).`,
	Params:      params,
	ManSections: []ocf.ManSection{{Title: "Differences from ocf:heartbeat:pgsql", Body: differences}},
	Actions: []ocf.Action{
		{Name: "start", Func: ocf.Decoded(loadSettings, start), Timeout: 60 * time.Second},
		{Name: "stop", Func: ocf.Decoded(loadSettings, stop), Timeout: 30 * time.Second},
		{Name: "monitor", Func: ocf.Decoded(loadSettings, monitor), Timeout: 10 * time.Second, Interval: 10 * time.Second},
		{Name: "validate-all", Func: ocf.Decoded(loadSettings, validate), Timeout: 10 * time.Second},
	},
}

// differences is what an administrator switching the provider of an
// existing ocf:heartbeat:pgsql primitive must know.
const differences = `Every parameter of ocf:heartbeat:pgsql is declared, so crmsh loads an existing primitive with the provider changed. What then behaves differently:

Defaults. pgdb is qvddb (heartbeat: template1) and the monitor writes (monitor_sql updates monitor_table, and must change a row; heartbeat: select now()). A primitive written without pgdb therefore needs the QVD database or a pgdb: where the database does not exist, start, monitor and validate-all fail with rc 6 and "database qvddb does not exist: set pgdb=...". Rc 6, because the database lives in pgdata, which moves with the storage: missing under this node's server, it is missing on every node. validate-all on a node where the instance is not running cannot ask the server and passes; the start that follows reports it. config is empty (the server's own pgdata/postgresql.conf; heartbeat passes pgdata/postgresql.conf explicitly and checks that it exists).

The write check. Pick a database where a small table may be written, or set monitor_sql to a statement of your own. pgdb=template1 (or template0) with the default monitor_sql and create_monitor_table fails validate-all and start with rc 6: a table created there is copied into every new database. With create_monitor_table=true (default) the agent creates monitor_table when it is missing and inserts its row when it is empty.

No psql. The agent speaks PostgreSQL's protocol itself: psql and pglibs are accepted and ignored, and a missing psql is no error. Every connection and statement has a deadline within the operation's timeout (heartbeat's psql has none), and a hung server is reported as rc 1 with a reason before Pacemaker's timeout.

Authentication. heartbeat runs psql as pgdba, so pgdba's peer authentication and pgdba's ~/.pgpass apply. This agent runs as root without a child process: when the monitor user is pgdba (monitor_user empty or equal to pgdba), it connects to the local socket with pgdba's peer credentials, so the distribution's "local all postgres peer" admits it unchanged. Any other monitor user connects as root: peer authentication needs a pg_ident.conf map from root, and a password comes from monitor_password, PGPASSFILE, or the .pgpass in root's home directory as /etc/passwd names it (not $HOME, which Pacemaker may set differently). A wrong monitor_password is rc 6 (the CIB is the same on every node); a failure with this node's files (pg_hba.conf, pg_ident.conf, .pgpass) is rc 4.

pghost. heartbeat passes pghost to the server as its listen address (-h) and connects to it wherever it is. Here pghost only chooses the monitor's connection, and only when it is an address of this node; listen_addresses stays postgresql.conf's, or set it in start_opt.

Crash and identity. A postmaster.pid whose process is gone, or is now another program, means not running: monitor returns 7 with a reason, and start removes the stale files and orphaned backends before it starts the server (heartbeat's kill -0 takes a reused PID of the postgres user for a running server). A server that answers with another data directory's system identifier, or that is not this node's postmaster, is also 7.

Replication. The runbook replicates pgdata with DRBD. rep_mode other than none fails validate-all and start with rc 6, "streaming replication is not supported: use DRBD, or ocf:heartbeat:pgsql/PAF"; the rest of the replication family (node_list, master_ip, repuser, restore_command, tmpdir, ...) is accepted and ignored. The resource is not promotable: there are no promote, demote or notify actions.

Stop. After stop_escalate (bounded by the operation's timeout) a fast shutdown becomes an immediate one, and then the agent kills the postmaster and every backend, so that the stop succeeds in time.`

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
