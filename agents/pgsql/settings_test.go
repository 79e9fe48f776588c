package main

import (
	"slices"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf/ocftest"
)

// TestLoadSettings: every name loadSettings reads is declared and every
// declared parameter that is not ignored is read, and the defaults that
// depend on other parameters come out right.
func TestLoadSettings(t *testing.T) {
	tests := []struct {
		name  string
		set   []string
		check func(t *testing.T, s settings)
	}{
		{"defaults", nil, func(t *testing.T, s settings) {
			if s.user != "postgres" || s.db != "qvddb" || !s.dbDefault || s.port != 5432 || s.stopEscalate != 90*time.Second {
				t.Errorf("user %q db %q (default %v) port %d stop_escalate %s", s.user, s.db, s.dbDefault, s.port, s.stopEscalate)
			}
			if !s.managedTable || s.monitorSQL != "update pacemaker_monitor set last_update=current_timestamp" {
				t.Errorf("managed %v, monitor_sql %q", s.managedTable, s.monitorSQL)
			}
		}},
		{"pgdata cleaned", []string{"pgdata=/srv/pg//data/"}, func(t *testing.T, s settings) {
			if s.pgdata != "/srv/pg/data" {
				t.Errorf("pgdata %q", s.pgdata)
			}
		}},
		{"monitor user is pgdba by default", []string{"pgdba=qvd"}, func(t *testing.T, s settings) {
			if s.user != "qvd" {
				t.Errorf("user %q, want pgdba's qvd", s.user)
			}
		}},
		{"monitor table in a schema", []string{"monitor_table=ha.beat"}, func(t *testing.T, s settings) {
			if s.monitorSQL != "update ha.beat set last_update=current_timestamp" {
				t.Errorf("monitor_sql %q", s.monitorSQL)
			}
		}},
		{"own monitor_sql", []string{"monitor_sql=select 1", "pgdb=qvd"}, func(t *testing.T, s settings) {
			if s.managedTable || s.monitorSQL != "select 1" || s.dbDefault {
				t.Errorf("managed %v, monitor_sql %q, pgdb default %v", s.managedTable, s.monitorSQL, s.dbDefault)
			}
		}},
		{"ctl_opt split into words", []string{"ctl_opt=  -s   --no-wait ", "stop_escalate=5"}, func(t *testing.T, s settings) {
			if !slices.Equal(s.ctlOpt, []string{"-s", "--no-wait"}) || s.stopEscalate != 5*time.Second {
				t.Errorf("ctl_opt %q, stop_escalate %s", s.ctlOpt, s.stopEscalate)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, ocftest.Decodes(t, agent, loadSettings, tt.set...))
		})
	}
}
