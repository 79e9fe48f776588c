package config

import (
	"fmt"
	"strings"
	"time"
)

// FencingTimeout is Pacemaker's default for one fencing action
// (stonith-timeout, pcmk_reboot_timeout); the CIB does not change it.
const FencingTimeout = 60 * time.Second

// Budget is the worst-case failover time, worked out the way the runbook's
// tuning section does: every timer runs to its timeout.
type Budget struct {
	Detect, Stop, Start, Service time.Duration
	Membership, FenceDelay       time.Duration
	NodeLoss                     time.Duration
	lines                        []string
}

// FailoverBudget is the budget of c's timers.
func (c *Config) FailoverBudget() Budget {
	t := c.Timers
	var b Budget
	term := func(sum *time.Duration, what string, d time.Duration) string {
		*sum += d
		return fmt.Sprintf("%d (%s)", d/time.Second, what)
	}
	var stop, start []string
	b.Detect = t.PgSQL.Monitor + t.PgSQL.MonitorTimeout
	stop = append(stop, term(&b.Stop, "pgsql", t.PgSQL.Stop), term(&b.Stop, "ip", t.IP.Stop), term(&b.Stop, "fs", t.FS.Stop))
	if c.Storage == StorageDRBD {
		stop = append(stop, term(&b.Stop, "demote", t.DRBDDemote))
		start = append(start, term(&b.Start, "promote", t.DRBDPromote))
	}
	start = append(start, term(&b.Start, "fs", t.FS.Start), term(&b.Start, "ip", t.IP.Start), term(&b.Start, "pgsql", t.PgSQL.Start))
	b.Service = b.Detect + b.Stop + b.Start
	// corosync's consensus defaults to 1.2 x token.
	b.Membership = c.CorosyncToken + c.CorosyncToken*6/5
	b.FenceDelay = c.FenceDelay()
	b.NodeLoss = b.Membership + b.FenceDelay + FencingTimeout + b.Start
	s := func(d time.Duration) int { return int(d / time.Second) }
	b.lines = []string{
		fmt.Sprintf("detect: %d (monitor interval) + %d (timeout) = %d s", s(t.PgSQL.Monitor), s(t.PgSQL.MonitorTimeout), s(b.Detect)),
		fmt.Sprintf("stop:   %s = %d s", strings.Join(stop, " + "), s(b.Stop)),
		fmt.Sprintf("start:  %s = %d s", strings.Join(start, " + "), s(b.Start)),
		fmt.Sprintf("database failure, total: %d + %d + %d = %d s", s(b.Detect), s(b.Stop), s(b.Start), s(b.Service)),
		fmt.Sprintf("node loss: %d (corosync token + consensus) + %d (priority-fencing-delay) + %d (fencing timeout) + %d (start) = %d s",
			s(b.Membership), s(b.FenceDelay), s(FencingTimeout), s(b.Start), s(b.NodeLoss)),
		"(the runbook's table says 270 s with fs stop 30, pgsql stop 20 and start 30; section 10.5 sets pgsql",
		" stop 30, fs stop follows Filesystem's advice, pgsql start is sized for crash recovery because",
		" start-failure-is-fatal bans a node at its first failed start)",
	}
	return b
}

// String is the budget as printed by the tool and in the shipped CIB.
func (b Budget) String() string { return strings.Join(b.lines, "\n") + "\n" }
