package status

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Summary is the first line, in the monitoring plugins' style: "QVD-HA OK
// - database on qvddb1 since 2026-12-06 22:20:45 UTC", or the worst problem
// and how many more there are. Perfdata follow "|": the database's write
// age and the backup's age, in seconds.
func Summary(r *Report, problems []Problem) string {
	worst := Worst(problems)
	var text string
	if worst == OK {
		text = where(r)
	} else {
		for _, p := range problems {
			if p.Level == worst {
				text = p.Text
				break
			}
		}
		if n := len(problems) - 1; n > 0 {
			text += fmt.Sprintf(" (+%d more)", n)
		}
	}
	return "QVD-HA " + worst.String() + " - " + text + perfdata(r)
}

// where says where the database runs.
func where(r *Report) string {
	c := r.Cluster
	switch {
	case c == nil:
		return "database location unknown"
	case len(c.DatabaseOn) == 0:
		return "database stopped"
	case c.Since != nil:
		return fmt.Sprintf("database on %s since %s UTC", strings.Join(c.DatabaseOn, ", "), c.Since.Format(time.DateTime))
	default:
		return "database on " + strings.Join(c.DatabaseOn, ", ")
	}
}

func perfdata(r *Report) string {
	var p []string
	if r.Database != nil {
		p = append(p, fmt.Sprintf("monitor_age=%.0fs;%.0f;%.0f;0", r.Database.MonitorAge,
			DefaultThresholds.MonitorWarn.Seconds(), DefaultThresholds.MonitorCrit.Seconds()))
	}
	if r.Backup != nil && r.Backup.At != nil {
		p = append(p, fmt.Sprintf("backup_age=%.0fs;%.0f;;0", r.Time.Sub(*r.Backup.At).Seconds(), DefaultThresholds.BackupAge.Seconds()))
	}
	if len(p) == 0 {
		return ""
	}
	return " | " + strings.Join(p, " ")
}

// Text writes one screen: the summary line, the problems, then what was
// read, section by section; "?" stands for what could not be read.
func Text(w io.Writer, r *Report, problems []Problem) error {
	var b strings.Builder
	fmt.Fprintln(&b, Summary(r, problems))
	for _, p := range problems {
		fmt.Fprintf(&b, "  %-8s %s\n", p.Level, p.Text)
	}
	fmt.Fprintf(&b, "\nOn %s at %s UTC\n", r.Node, r.Time.Format(time.DateTime))
	if c := r.Cluster; c != nil {
		mm := ""
		if c.MaintenanceMode {
			mm = ", MAINTENANCE-MODE"
		}
		fmt.Fprintf(&b, "Cluster:  %s%s\n", where(r), mm)
		for _, n := range c.Nodes {
			fmt.Fprintf(&b, "  node %-12s %s", n.Name, nodeState(n))
			if c.PingConfigured {
				fmt.Fprintf(&b, ", pingd %s", orValue(n.Ping, "unset"))
			}
			fmt.Fprintln(&b)
		}
		for _, f := range c.Failures {
			fmt.Fprintf(&b, "  fail count %s on %s: %d", f.Resource, f.Node, f.FailCount)
			if f.Threshold > 0 {
				fmt.Fprintf(&b, " of %d", f.Threshold)
			}
			if f.Expires != nil {
				fmt.Fprintf(&b, ", expires %s UTC", f.Expires.Format(time.DateTime))
			}
			fmt.Fprintln(&b)
		}
	} else {
		fmt.Fprintln(&b, "Cluster:  ?")
	}
	for _, c := range r.Constraints {
		fmt.Fprintf(&b, "  constraint %s (%s)\n", c.ID, c.Kind)
	}
	for _, f := range r.Fencing {
		fmt.Fprintf(&b, "  fencing: %s %s %s%s\n", f.Action, f.Target, f.Status, at(f.Completed))
	}
	var links []string
	for _, l := range r.Links {
		for _, p := range l.Peers {
			links = append(links, fmt.Sprintf("link %d %s to %s %s", l.ID, l.Addr, orAny(p.Name), p.Status))
		}
	}
	fmt.Fprintf(&b, "Corosync: %s\n", orValue(strings.Join(links, "; "), "?"))
	if d := r.DRBD; d != nil {
		fmt.Fprintf(&b, "DRBD:     %s %s/%s %s", d.Resource, orValue(d.Role, "down"), orValue(d.PeerRole, "?"), orValue(d.Connection, "-"))
		for _, v := range d.Volumes {
			fmt.Fprintf(&b, "  drbd%d %s/%s %s", v.Minor, v.Disk, v.PeerDisk, v.Replication)
			if strings.Contains(v.Replication, "Sync") {
				fmt.Fprintf(&b, " %.1f%%", v.SyncDone)
			}
			if v.OutOfSyncKiB > 0 {
				fmt.Fprintf(&b, " oos %d KiB", v.OutOfSyncKiB)
			}
		}
		fmt.Fprintln(&b)
	}
	if v := r.Verify; v != nil {
		if v.Found {
			fmt.Fprintf(&b, "Verify:   %d out-of-sync blocks (%s)\n", v.OutOfSyncBlocks, v.Message)
		} else {
			fmt.Fprintln(&b, "Verify:   none in the kernel log since boot")
		}
	}
	if db := r.Database; db != nil {
		fmt.Fprintf(&b, "Database: pacemaker_monitor written %s ago\n", time.Duration(db.MonitorAge*float64(time.Second)).Round(time.Second))
	}
	if bk := r.Backup; bk != nil {
		if bk.At != nil {
			fmt.Fprintf(&b, "Backup:   %s, %s old\n", bk.Newest, r.Time.Sub(*bk.At).Round(time.Minute))
		} else {
			fmt.Fprintf(&b, "Backup:   none in %s\n", bk.Dir)
		}
	}
	if c := r.Clock; c != nil {
		state := "synchronised"
		if !c.Synchronised {
			state = "NOT synchronised"
		}
		fmt.Fprintf(&b, "Clock:    %s\n", state)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func nodeState(n Node) string {
	var s []string
	switch {
	case n.Unclean:
		s = append(s, "UNCLEAN")
	case n.Online:
		s = append(s, "online")
	default:
		s = append(s, "OFFLINE")
	}
	if n.Standby {
		s = append(s, "standby")
	}
	if n.Maintenance {
		s = append(s, "maintenance")
	}
	return strings.Join(s, ", ")
}

// JSON is the report with its evaluation: the Report's fields, plus
// "level" (the worst) and "problems". Lists are [] when empty, never null,
// so that a consumer needs no special case.
func JSON(w io.Writer, r *Report, problems []Problem) error {
	c := *r
	c.Constraints = orEmpty(c.Constraints)
	c.Fencing = orEmpty(c.Fencing)
	c.Links = orEmpty(c.Links)
	c.Errors = orEmpty(c.Errors)
	c.Sources = orEmpty(c.Sources)
	if c.Cluster != nil {
		cl := *c.Cluster
		cl.Nodes, cl.DatabaseOn, cl.Failures = orEmpty(cl.Nodes), orEmpty(cl.DatabaseOn), orEmpty(cl.Failures)
		c.Cluster = &cl
	}
	if c.Clock != nil {
		cl := *c.Clock
		cl.Warnings = orEmpty(cl.Warnings)
		c.Clock = &cl
	}
	out := struct {
		*Report
		Level    Level     `json:"level"`
		Problems []Problem `json:"problems"`
	}{&c, Worst(problems), orEmpty(problems)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("status as JSON: %w", err)
	}
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
