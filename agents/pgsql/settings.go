package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// settings is ocf:qvd:pgsql's parameters, decoded once per action by
// loadSettings: action code reads its fields.
type settings struct {
	pgdata string // cleaned; symlinks are resolved per action, where it exists
	pgctl  string
	dba    string
	pghost string
	port   int
	db     string
	// dbDefault: pgdb was not set, so reasons say the default is QVD's.
	dbDefault  bool
	user       string // monitor_user, else pgdba
	password   string
	monitorSQL string
	table      string
	// managedTable: monitor_sql is ours, so the agent may create and fill
	// the table.
	managedTable bool
	createTable  bool
	configFile   string
	socketDir    string
	startOpt     string
	ctlOpt       []string
	logfile      string
	stopEscalate time.Duration
	repMode      string
}

// loadSettings reads every parameter the agent uses. The declarations have
// checked each value already; what is left is defaults that depend on
// other parameters.
func loadSettings(p ocf.Params) (settings, error) {
	c := settings{
		pgdata:       filepath.Clean(p.String("pgdata")),
		pgctl:        p.String("pgctl"),
		dba:          p.String("pgdba"),
		pghost:       p.String("pghost"),
		port:         p.Int("pgport"),
		db:           p.String("pgdb"),
		dbDefault:    !p.IsSet("pgdb"),
		user:         p.String("monitor_user"),
		password:     p.String("monitor_password"),
		monitorSQL:   p.String("monitor_sql"),
		table:        p.String("monitor_table"),
		managedTable: !p.IsSet("monitor_sql"),
		createTable:  p.Bool("create_monitor_table"),
		configFile:   p.String("config"),
		socketDir:    p.String("socketdir"),
		startOpt:     p.String("start_opt"),
		ctlOpt:       strings.Fields(p.String("ctl_opt")),
		logfile:      p.String("logfile"),
		stopEscalate: time.Duration(p.Int("stop_escalate")) * time.Second,
		repMode:      p.String("rep_mode"),
	}
	if c.user == "" {
		c.user = c.dba
	}
	if c.managedTable {
		c.monitorSQL = fmt.Sprintf("update %s set last_update=current_timestamp", c.table)
	}
	return c, nil
}

// checkReplication refuses ocf:heartbeat:pgsql's streaming replication: a
// single server where replicas were asked for would be wrong on every node.
// Start and validate-all check it; monitor and stop still serve an instance
// started before the parameter was set.
func (c settings) checkReplication() error {
	if c.repMode != "" && c.repMode != "none" {
		return ocf.Fail(ocf.ErrConfigured, "streaming replication is not supported: use DRBD, or ocf:heartbeat:pgsql/PAF (rep_mode=%s)", c.repMode)
	}
	return nil
}
