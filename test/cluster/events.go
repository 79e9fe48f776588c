package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file reads the event logs that nodewatch (test/cluster/nodewatch)
// writes inside each node, and turns them into the intervals during which
// each node held each resource.

// Event is one line of a node's event log.
type Event struct {
	Time time.Time
	Op   string // "start", "up", "down" or "error"
	// For "up" and "down": "ip:<address>", "mount" or "postmaster".
	Kind string
	// For "up" and "down": the instance within the kind (the interface, the
	// mount ID, the pid in the node's PID namespace).
	Key string
	// The rest of the line: the prefix, the mount's source and type, the
	// recorder's pid, an error message.
	Detail string
}

// Event operations.
const (
	OpStart = "start"
	OpUp    = "up"
	OpDown  = "down"
	OpError = "error"
)

// ParseEvents reads an event log.
func ParseEvents(r io.Reader) ([]Event, error) {
	var events []Event
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		e, err := parseEvent(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		events = append(events, e)
	}
	return events, sc.Err()
}

// ReadEvents reads the event log at path.
func ReadEvents(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	events, err := ParseEvents(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return events, nil
}

func parseEvent(line string) (Event, error) {
	stamp, rest, _ := strings.Cut(line, " ")
	ns, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return Event{}, fmt.Errorf("timestamp %q: %w", stamp, err)
	}
	e := Event{Time: time.Unix(0, ns)}
	e.Op, rest, _ = strings.Cut(rest, " ")
	switch e.Op {
	case OpStart, OpError:
		e.Detail = rest
	case OpUp, OpDown:
		f := strings.SplitN(rest, " ", 3)
		if len(f) < 2 || f[0] == "" || f[1] == "" {
			return Event{}, fmt.Errorf("%s without kind and key: %q", e.Op, line)
		}
		e.Kind, e.Key = f[0], f[1]
		if len(f) == 3 {
			e.Detail = f[2]
		}
	default:
		return Event{}, fmt.Errorf("unknown event %q", e.Op)
	}
	return e, nil
}

// WaitForEvent polls the log at path until an event matches, and returns
// it. A missing log counts as one without a match yet; an error line in it
// ends the wait at once.
func WaitForEvent(ctx context.Context, path string, match func(Event) bool) (Event, error) {
	for {
		events, err := ReadEvents(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return Event{}, err
		}
		for _, e := range events {
			if e.Op == OpError {
				return Event{}, fmt.Errorf("%s: recorder failed at %s: %s", path, e.Time.Format(stampFormat), e.Detail)
			}
			if match(e) {
				return e, nil
			}
		}
		select {
		case <-ctx.Done():
			return Event{}, fmt.Errorf("%s: no such event yet: %w", path, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Interval is a time during which a node held a resource.
type Interval struct {
	Node   string
	Kind   string // "ip:192.0.2.10", "mount", "postmaster"
	Key    string // as in Event
	Detail string // of the "up" event
	Start  time.Time
	End    time.Time // zero: still active when the log ends
}

func (iv Interval) String() string {
	end := "still active"
	if !iv.End.IsZero() {
		end = iv.End.Format(stampFormat)
	}
	what := iv.Kind + " " + iv.Key
	if iv.Detail != "" {
		what += " (" + iv.Detail + ")"
	}
	return fmt.Sprintf("%s on %s from %s to %s", what, iv.Node, iv.Start.Format(stampFormat), end)
}

const stampFormat = "15:04:05.000000"

// Intervals turns one node's events into intervals, in the order they
// started. kills are the times at which the harness knew the node dead (all
// its processes gone, not the moment it sent the signal). Each "start" line
// opens a run of the recorder; what is still active at the end of a run
// ends at the run's first kill or, if the recorder restarted without a
// known kill, at the next start: the latest it can have lasted, since the
// next run records again what is active. What is active at the end of the
// last run, with no kill after its start, stays open (End zero). A log
// with an error line, with events that contradict each other, or with an
// event after the kill that should have ended its run is an error: it
// proves nothing.
//
// A kill ends what the node's processes hold. What outlives them, such as
// an address in a network namespace that survives the kill, is recorded
// again by the next run as active from its start.
func Intervals(node string, events []Event, kills []time.Time) ([]Interval, error) {
	kills = append([]time.Time(nil), kills...)
	sort.Slice(kills, func(i, j int) bool { return kills[i].Before(kills[j]) })
	var (
		done      []Interval
		open      = map[string]int{} // kind and key → index in done
		runKilled time.Time          // zero: no kill known in this run
		started   bool
	)
	// closeRun ends everything open at end.
	closeRun := func(end time.Time) {
		for k, i := range open {
			done[i].End = end
			delete(open, k)
		}
	}
	for _, e := range events {
		if e.Op == OpError {
			return nil, fmt.Errorf("%s: recorder failed at %s: %s", node, e.Time.Format(stampFormat), e.Detail)
		}
		if e.Op == OpStart {
			if started {
				// A kill after this start belongs to a later run.
				if runKilled.IsZero() || runKilled.After(e.Time) {
					closeRun(e.Time)
				} else {
					closeRun(runKilled)
				}
			}
			started = true
			runKilled = firstKillFrom(kills, e.Time)
			continue
		}
		if !started {
			return nil, fmt.Errorf("%s: %s %s %s before the recorder's start line", node, e.Op, e.Kind, e.Key)
		}
		// An event after the kill means the kill time given is too early to
		// end intervals at.
		if !runKilled.IsZero() && e.Time.After(runKilled) {
			return nil, fmt.Errorf("%s: %s %s %s at %s, after the node was killed at %s", node, e.Op, e.Kind, e.Key,
				e.Time.Format(stampFormat), runKilled.Format(stampFormat))
		}
		id := e.Kind + " " + e.Key
		switch i, isOpen := open[id]; {
		case e.Op == OpUp && isOpen:
			return nil, fmt.Errorf("%s: %s %s up at %s, already up since %s", node, e.Kind, e.Key,
				e.Time.Format(stampFormat), done[i].Start.Format(stampFormat))
		case e.Op == OpUp:
			open[id] = len(done)
			done = append(done, Interval{Node: node, Kind: e.Kind, Key: e.Key, Detail: e.Detail, Start: e.Time})
		case !isOpen:
			return nil, fmt.Errorf("%s: %s %s down at %s without being up", node, e.Kind, e.Key, e.Time.Format(stampFormat))
		default:
			done[i].End = e.Time
			delete(open, id)
		}
	}
	if !runKilled.IsZero() {
		closeRun(runKilled)
	}
	return done, nil
}

// firstKillFrom is the first of the sorted kills at or after t, or zero.
func firstKillFrom(kills []time.Time, t time.Time) time.Time {
	for _, k := range kills {
		if !k.Before(t) {
			return k
		}
	}
	return time.Time{}
}

// NodeIntervals reads a node's log and returns its intervals (see
// Intervals).
func NodeIntervals(node, logPath string, kills []time.Time) ([]Interval, error) {
	events, err := ReadEvents(logPath)
	if err != nil {
		return nil, err
	}
	return Intervals(node, events, kills)
}

// Overlaps describes every pair of intervals of the same kind, on different
// nodes, that overlap in time: an address, the filesystem or a postmaster
// active on both nodes at once. Intervals that merely touch (one ends when
// the other starts) do not overlap. Loopback and link-local addresses are
// each node's own and are left out.
func Overlaps(intervals []Interval) []string {
	byKind := map[string][]Interval{}
	for _, iv := range intervals {
		if !nodeLocal(iv.Kind) {
			byKind[iv.Kind] = append(byKind[iv.Kind], iv)
		}
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var found []string
	for _, kind := range kinds {
		ivs := byKind[kind]
		sort.SliceStable(ivs, func(i, j int) bool { return ivs[i].Start.Before(ivs[j].Start) })
		for i, a := range ivs {
			for _, b := range ivs[i+1:] {
				if a.Node == b.Node || !a.activeAt(b.Start) {
					continue
				}
				found = append(found, fmt.Sprintf("%s overlaps %s by %s", a, b, overlapLength(a, b)))
			}
		}
	}
	return found
}

// activeAt says whether t falls within [Start, End).
func (iv Interval) activeAt(t time.Time) bool {
	return !t.Before(iv.Start) && (iv.End.IsZero() || t.Before(iv.End))
}

// overlapLength is how long a and b, with a starting first and active when
// b starts, are both active.
func overlapLength(a, b Interval) string {
	switch {
	case a.End.IsZero() && b.End.IsZero():
		return "all of the time since " + b.Start.Format(stampFormat) + " (both still active)"
	case a.End.IsZero() || (!b.End.IsZero() && b.End.Before(a.End)):
		return b.End.Sub(b.Start).String()
	default:
		return a.End.Sub(b.Start).String()
	}
}

func nodeLocal(kind string) bool {
	s, isAddr := strings.CutPrefix(kind, "ip:")
	addr, err := netip.ParseAddr(s)
	return isAddr && err == nil && (addr.IsLoopback() || addr.IsLinkLocalUnicast())
}
