// Package switchover moves the database to the other node on purpose, for
// qvd-ha switchover (issue 16): the runbook's "crm resource migrate" and
// "unmigrate" (maintenance section) as one command that refuses when the
// target cannot take the database, waits until the database writes there,
// and never leaves its move constraint behind.
//
// The move is crm_resource --move of the database group (with DRBD storage
// the promotion follows through the group's colocation with the Promoted
// instance), with a lifetime a little longer than the wait, so that even a
// SIGKILL leaves no preference in force for long; the constraint is removed
// when the wait ends, whichever way it ends. A probe writes through the
// floating IP from before the move until the database writes on the target;
// its failed attempts measure how long QVD could not write.
package switchover

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Drbdsetup reads this node's DRBD state.
const Drbdsetup = "/usr/sbin/drbdsetup"

// Refused is a switch-over a safety check stopped before anything
// changed; each reason says what to do.
type Refused struct{ Reasons []string }

func (r *Refused) Error() string { return "refused: " + strings.Join(r.Reasons, "; ") }

// Failed is a switch-over that was started and did not end with the
// database writing on the target; the message says where it is now.
type Failed struct{ Err error }

func (f *Failed) Error() string { return f.Err.Error() }
func (f *Failed) Unwrap() error { return f.Err }

// Request is what the administrator asked for.
type Request struct {
	// Here is the node the command runs on; To the target, "" for the
	// peer of the node that runs the database.
	Here, To string
	DryRun   bool
	// Timeout bounds the wait for writes on the target.
	Timeout time.Duration
}

// Switch is a switch-over's sources and tunables.
type Switch struct {
	Config *config.Config
	// Pacemaker runs the tools on the live cluster; its Run runs them
	// on a copy of the CIB too, for the dry run.
	Pacemaker pcmk.Tools
	// Exec runs drbdsetup.
	Exec runner.Runner
	// NewProbe opens the write probe; it is called only for a real move,
	// so a dry run or a refusal never asks for the password.
	NewProbe func() (Probe, error)
	Out      io.Writer
	Now      func() time.Time
	// PollEvery is how often the cluster state is read while waiting,
	// ProbeEvery how often the probe writes, ProbeTimeout the bound of
	// one attempt, Read the bound of each read before the move and of
	// the constraint's removal.
	PollEvery, ProbeEvery, ProbeTimeout, Read time.Duration
	// LifetimeMargin is how much longer than the wait the move
	// constraint lives.
	LifetimeMargin time.Duration
}

// New is a Switch with the production tunables.
func New(c *config.Config, tools pcmk.Tools, run runner.Runner, newProbe func() (Probe, error), out io.Writer) *Switch {
	return &Switch{Config: c, Pacemaker: tools, Exec: run, NewProbe: newProbe, Out: out, Now: time.Now,
		PollEvery: 500 * time.Millisecond, ProbeEvery: 150 * time.Millisecond, ProbeTimeout: time.Second,
		Read: 15 * time.Second, LifetimeMargin: time.Minute}
}

// DefaultTimeout is the wait when none is given: the configured timers'
// worst case for stopping the group on one node and starting it on the
// other (the failover budget's stop and start), every timer run to its
// timeout.
func DefaultTimeout(c *config.Config) time.Duration {
	b := c.FailoverBudget()
	return b.Stop + b.Start
}

// Run switches over, or in a dry run shows the scheduler's plan. An error
// other than *Refused and *Failed means it could not run (no cluster, a
// bad node) and nothing changed.
func (s *Switch) Run(ctx context.Context, req Request) error {
	if err := s.checkNodes(req); err != nil {
		return err
	}
	f, err := s.read(ctx, req.Here)
	if err != nil {
		return err
	}
	on := databaseOn(f.status)
	target := req.To
	if target == "" && len(on) == 1 {
		target = s.Config.Peer(on[0]).Name
	}
	switch {
	case len(on) == 0:
		return &Refused{Reasons: []string{fmt.Sprintf("the database runs nowhere: there is nothing to switch over; find out why (qvd-ha status), then start it with crm resource start %s", cib.IDGroup)}}
	case len(on) > 1:
		return &Refused{Reasons: []string{fmt.Sprintf("the database is active on %s at once: see qvd-ha status before anything else", strings.Join(on, " and "))}}
	case on[0] == target:
		fmt.Fprintf(s.Out, "the database already runs on %s: nothing to do\n", target)
		return nil
	}
	if reasons := refusals(s.Config, f, req.Here, target); len(reasons) > 0 {
		return &Refused{Reasons: reasons}
	}
	if req.DryRun {
		return s.dryRun(ctx, on[0], target)
	}
	return s.move(ctx, on[0], target, req.Timeout)
}

// checkNodes refuses names that are not the configuration's nodes.
func (s *Switch) checkNodes(req Request) error {
	names := []string{s.Config.Nodes[0].Name, s.Config.Nodes[1].Name}
	if !slices.Contains(names, req.Here) {
		return fmt.Errorf("this node, %q, is neither %s nor %s: run it on a cluster node, or name this node with --node", req.Here, names[0], names[1])
	}
	if req.To != "" && !slices.Contains(names, req.To) {
		return fmt.Errorf("unknown node %q: the cluster's nodes are %s and %s", req.To, names[0], names[1])
	}
	return nil
}

// read gathers the facts the checks need, each within s.Read. The
// cluster's state is required; without it there is no cluster to ask.
func (s *Switch) read(ctx context.Context, here string) (facts, error) {
	ctx, cancel := context.WithTimeout(ctx, s.Read)
	defer cancel()
	var f facts
	var err error
	if f.status, err = s.Pacemaker.Status(ctx); err != nil {
		return f, fmt.Errorf("no cluster to switch over (is the cluster stack running on this node? crm cluster start): %w", err)
	}
	if f.locations, err = s.Pacemaker.LocationConstraints(ctx); err != nil {
		return f, err
	}
	if f.fencing, err = s.Pacemaker.FenceHistory(ctx, "*"); err != nil {
		return f, err
	}
	if s.Config.Storage == config.StorageDRBD {
		f.drbd = s.drbd(ctx)
	}
	return f, nil
}

// drbd is this node's view of the DRBD resource, nil when it cannot be
// read here: the promotion score, read from the cluster, still covers the
// target.
func (s *Switch) drbd(ctx context.Context) *drbdstate.Resource {
	res, err := s.Exec.Run(ctx, runner.Cmd{Path: Drbdsetup, Args: []string{"events2", "--now", s.Config.DRBDResource}})
	if err != nil {
		fmt.Fprintf(s.Out, "note: DRBD's state is not readable on this node (%v); the target's promotion score is checked instead\n", err)
		return nil
	}
	r, err := drbdstate.ParseEvents2(string(res.Stdout))
	if err != nil {
		fmt.Fprintf(s.Out, "note: %v; the target's promotion score is checked instead\n", err)
		return nil
	}
	return &r
}

// dryRun moves the group in a copy of the live CIB and prints what the
// scheduler would do; the live cluster is not touched.
func (s *Switch) dryRun(ctx context.Context, from, to string) error {
	ctx, cancel := context.WithTimeout(ctx, s.Read)
	defer cancel()
	live, err := s.Pacemaker.QueryCIB(ctx, "")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "qvd-ha-switchover-")
	if err != nil {
		return fmt.Errorf("dry run: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "cib.xml")
	if err := os.WriteFile(file, live, 0o600); err != nil {
		return fmt.Errorf("dry run: %w", err)
	}
	offline := pcmk.Tools{Run: s.Pacemaker.Run, Env: []string{"CIB_file=" + file}}
	if err := offline.Move(ctx, cib.IDGroup, to, time.Hour); err != nil {
		return fmt.Errorf("dry run: %w", err)
	}
	plan, err := offline.Simulate(ctx, file)
	if err != nil {
		return fmt.Errorf("dry run: %w", err)
	}
	fmt.Fprintf(s.Out, "dry run: moving %s from %s to %s; the scheduler's plan (crm_simulate on a copy of the CIB):\n", cib.IDGroup, from, to)
	if len(plan) == 0 {
		fmt.Fprintln(s.Out, "  (nothing: the scheduler would not move it)")
	}
	for _, l := range plan {
		fmt.Fprintln(s.Out, "  "+l)
	}
	fmt.Fprintln(s.Out, "nothing was changed")
	return nil
}

// move moves the group, waits for writes on the target and removes the
// move constraint however the wait ends.
func (s *Switch) move(ctx context.Context, from, to string, timeout time.Duration) error {
	probe, err := s.NewProbe()
	if err != nil {
		return err
	}
	if err := s.writesNow(ctx, probe); err != nil {
		probe.Close()
		return err
	}
	start := s.Now()
	l := &timeline{start: start}
	pctx, stopProbe := context.WithCancel(ctx)
	var probing sync.WaitGroup
	probing.Add(1)
	go func() {
		defer probing.Done()
		probeLoop(pctx, probe, s.ProbeEvery, s.ProbeTimeout, s.Now, l)
	}()

	fmt.Fprintf(s.Out, "moving %s from %s to %s (waiting at most %s)\n", cib.IDGroup, from, to, timeout)
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	moveErr := s.Pacemaker.Move(wctx, cib.IDGroup, to, timeout+s.LifetimeMargin)
	var waitErr error
	if moveErr == nil {
		waitErr = s.wait(wctx, to, l)
	}
	// The constraint goes whatever happened, even after Ctrl-C: a move
	// that failed half-way may have written it.
	cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), s.Read)
	defer ccancel()
	clearErr := s.Pacemaker.Clear(cctx, cib.IDGroup, to)
	total := s.Now().Sub(start)
	stopProbe()
	probing.Wait()

	var problems []string
	switch {
	case moveErr != nil:
		problems = append(problems, moveErr.Error())
	case waitErr != nil:
		problems = append(problems, waitErr.Error())
	}
	if clearErr != nil {
		problems = append(problems, fmt.Sprintf("%v; remove it by hand: crm resource clear %s", clearErr, cib.IDGroup))
	} else {
		fmt.Fprintf(s.Out, "move constraint cli-prefer-%s removed\n", cib.IDGroup)
	}
	if len(problems) > 0 {
		return &Failed{Err: fmt.Errorf("%s; %s", strings.Join(problems, "; "), s.whereNow(cctx))}
	}
	if d, failed := l.unavailability(); failed {
		fmt.Fprintf(s.Out, "the database writes on %s: write unavailability %s, total %s\n", to, d.Round(time.Millisecond), total.Round(time.Millisecond))
	} else {
		fmt.Fprintf(s.Out, "the database writes on %s: no write attempt failed (every %s), total %s\n", to, s.ProbeEvery, total.Round(time.Millisecond))
	}
	return nil
}

// preflightAttempts is how many writes are tried before the move.
const preflightAttempts = 3

// writesNow checks that the probe writes before anything changes: a probe
// that cannot (a wrong password, a database already refusing writes) would
// keep the wait from ever seeing the target write.
func (s *Switch) writesNow(ctx context.Context, p Probe) error {
	var err error
	for i := 0; i < preflightAttempts; i++ {
		actx, cancel := context.WithTimeout(ctx, s.ProbeTimeout)
		err = p.Write(actx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(s.ProbeEvery):
		}
	}
	return fmt.Errorf("the database does not take writes through %s before the move, so its move could not be measured; nothing was changed: %w", s.Config.DBIP, err)
}

// wait polls until the group runs on to alone and a write has succeeded
// since that was seen; the write then went to the target, since the
// floating IP is a member of the group.
func (s *Switch) wait(ctx context.Context, to string, l *timeline) error {
	tick := time.NewTicker(s.PollEvery)
	defer tick.Stop()
	var seen time.Time
	last := "the cluster's state not read yet"
	for {
		st, err := s.Pacemaker.Status(ctx)
		switch {
		case err != nil:
			// A read cut short by the end of the wait says nothing.
			if ctx.Err() == nil {
				last = err.Error()
			}
		case groupOn(st, to):
			if seen.IsZero() {
				seen = s.Now()
			}
			if l.wroteSince(seen) {
				return nil
			}
			last = "started on " + to + ", no write succeeded there yet"
		default:
			seen = time.Time{}
			last = "the database is on " + orNowhere(databaseOn(st))
		}
		select {
		case <-ctx.Done():
			why := "did not write on " + to + " in time"
			if errors.Is(context.Cause(ctx), context.Canceled) {
				why = "interrupted before the database wrote on " + to
			}
			return fmt.Errorf("%s (last seen: %s)", why, last)
		case <-tick.C:
		}
	}
}

// whereNow says where the database runs, for a failure's message.
func (s *Switch) whereNow(ctx context.Context) string {
	st, err := s.Pacemaker.Status(ctx)
	if err != nil {
		return "where the database runs now is unknown: " + err.Error()
	}
	on := databaseOn(st)
	if len(on) == 0 {
		// A move cut short leaves the group stopped until the
		// scheduler has placed it again without the preference.
		return "the database runs on no node at this moment; Pacemaker places it again (qvd-ha status shows where)"
	}
	return "the database is now on " + strings.Join(on, " and ")
}

func orNowhere(nodes []string) string {
	if len(nodes) == 0 {
		return "no node"
	}
	return strings.Join(nodes, " and ")
}
