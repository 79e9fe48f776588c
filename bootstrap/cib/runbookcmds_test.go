//go:build root

package cib

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// TestRunbookMaintenanceCommands: the runbook's "Managing the Cluster"
// commands, run with crmsh on the generated CIB, do what the runbook says
// once they name the ids of its section 10.5, which the CIB uses (g_postgres,
// p_postgres); with the ids of its superseded sections 13-14 (postgres,
// postgresql) crmsh finds no such resource and changes nothing.
func TestRunbookMaintenanceCommands(t *testing.T) {
	storages(t, "qvddb1", func(t *testing.T, s scene) {
		crm := func(args ...string) (string, error) {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := runner.Exec{}.Run(ctx, runner.Cmd{Path: "/usr/sbin/crm", Args: args, Env: []string{"CIB_file=" + s.file}})
			return string(res.Stdout) + string(res.Stderr), err
		}
		must := func(args ...string) {
			t.Helper()
			if out, err := crm(args...); err != nil {
				t.Fatalf("crm %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}

		for _, args := range [][]string{
			{"resource", "migrate", "postgres", s.o},
			{"resource", "stop", "postgresql"},
		} {
			if out, err := crm(args...); err == nil {
				t.Errorf("crm %s (the runbook's ids) succeeded on our CIB:\n%s", strings.Join(args, " "), out)
			}
		}
		if lines := s.simulate(); len(lines) > 0 {
			t.Errorf("the runbook's ids changed something: %q", lines)
		}

		must("resource", "migrate", IDGroup, s.o)
		s.simulate()
		s.expectDatabaseOn(s.o, "after crm resource migrate "+IDGroup+" "+s.o)

		// unmigrate removes the constraint; stickiness keeps the database.
		must("resource", "unmigrate", IDGroup)
		if m := moves(s.simulate()); len(m) > 0 {
			t.Errorf("crm resource unmigrate moved the database back: %q", m)
		}
		s.expectDatabaseOn(s.o, "after crm resource unmigrate "+IDGroup)

		must("resource", "stop", IDPgSQL)
		s.simulate()
		s.expect("after crm resource stop "+IDPgSQL, map[string]string{
			IDPgSQL: "", IDFS: "Started " + s.o, IDIP: "Started " + s.o,
		})
		must("resource", "start", IDPgSQL)
		s.simulate()
		s.expectDatabaseOn(s.o, "after crm resource start "+IDPgSQL)
	})
}
