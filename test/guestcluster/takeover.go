package guestcluster

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/test/cluster"
)

// Takeover is when the survivor's Pacemaker log shows each step of taking
// over from a lost node, on the survivor's clock.
type Takeover struct {
	Lost     time.Time // Corosync's membership lost the node
	Fenced   time.Time // the fencer confirmed the node off
	Promoted time.Time // DRBD Primary here
	Mounted  time.Time // the filesystem mounted
	Started  time.Time // PostgreSQL started (crash recovery included)
}

// TakeoverOf reads, from survivor's Pacemaker log, the first occurrence of
// each step after since of the takeover from lost.
func (c *Cluster) TakeoverOf(ctx context.Context, survivor, lost *Node, since time.Time) (Takeover, error) {
	result := func(op, rsc string) *regexp.Regexp {
		return regexp.MustCompile(`Result of ` + op + ` operation for ` + regexp.QuoteMeta(rsc) + ` on ` + regexp.QuoteMeta(survivor.Name) + `: ok`)
	}
	steps := []*regexp.Regexp{
		regexp.MustCompile(`Node ` + regexp.QuoteMeta(lost.Name) + ` state is now lost`),
		fencedBy(lost, survivor),
		result("promote", drbdClone),
		result("start", "p_fs_postgres"),
		result("start", "p_postgres"),
	}
	at, err := c.logTimes(ctx, survivor, since, steps...)
	if err != nil {
		return Takeover{}, err
	}
	for i, t := range at {
		if t.IsZero() {
			return Takeover{}, fmt.Errorf("%s's log has no %q after %s", survivor.Name, steps[i], since.Format(time.TimeOnly))
		}
	}
	return Takeover{Lost: at[0], Fenced: at[1], Promoted: at[2], Mounted: at[3], Started: at[4]}, nil
}

// fencedBy matches the fencer's confirmation that by fenced target.
func fencedBy(target, by *Node) *regexp.Regexp {
	return regexp.MustCompile(`Operation '\w+' targeting ` + regexp.QuoteMeta(target.Name) + ` by ` + regexp.QuoteMeta(by.Name) + ` for .*: OK`)
}

// logTimes reads n's Pacemaker log and returns, for each of res, the time
// of its first line after since (zero when there is none), on the host's
// clock. A guest's clock falls behind the host's when TCG gets too little
// CPU (minutes, on a loaded machine), so the guest's clock is read with
// the log and its offset taken out; a second of slack covers the reading.
func (c *Cluster) logTimes(ctx context.Context, n *Node, since time.Time, res ...*regexp.Regexp) ([]time.Time, error) {
	before := time.Now()
	out, err := n.Output(ctx, "date -u +%s.%N && cat /var/log/pacemaker/pacemaker.log")
	if err != nil {
		return nil, err
	}
	hostNow := before.Add(time.Since(before) / 2)
	first, log, _ := strings.Cut(out, "\n")
	secs, err := strconv.ParseFloat(strings.TrimSpace(first), 64)
	if err != nil {
		return nil, fmt.Errorf("%s's clock: %q: %w", n.Name, first, err)
	}
	offset := time.Unix(0, int64(secs*1e9)).Sub(hostNow)
	since = since.Add(-time.Second)
	at := make([]time.Time, len(res))
	for _, line := range strings.Split(log, "\n") {
		for i, re := range res {
			if !at[i].IsZero() || !re.MatchString(line) {
				continue
			}
			t, err := cluster.LogTime(line, since.Year(), time.UTC)
			if err != nil {
				return nil, fmt.Errorf("%s's log: %w", n.Name, err)
			}
			if t = t.Add(-offset); t.After(since) {
				at[i] = t
			}
		}
	}
	return at, nil
}

// Shares splits the time from powering off (off, host clock) to the
// first acknowledged write (ack, host clock) into the takeover's steps.
// Every time is on the host's clock (logTimes takes out the guests' offset).
func (tk Takeover) Shares(off, ack time.Time) []Share {
	return []Share{
		{"detection (token timeout, membership)", tk.Lost.Sub(off)},
		{"fencing (priority-fencing-delay included)", tk.Fenced.Sub(tk.Lost)},
		{"DRBD promotion", tk.Promoted.Sub(tk.Fenced)},
		{"filesystem mount", tk.Mounted.Sub(tk.Promoted)},
		{"IP and PostgreSQL recovery", tk.Started.Sub(tk.Mounted)},
		{"client's first write", ack.Sub(tk.Started)},
	}
}

// Share is one step of a takeover and how long it took.
type Share struct {
	Step string
	Took time.Duration
}
