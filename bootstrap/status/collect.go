package status

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/timesync"
	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Where the tools live (Debian and SLES alike).
const (
	CorosyncCfgtool = "/usr/sbin/corosync-cfgtool"
	Drbdsetup       = "/usr/sbin/drbdsetup"
)

// Pacemaker is what status asks Pacemaker; pcmk.Tools is the real one.
type Pacemaker interface {
	Status(ctx context.Context) (*pcmk.Status, error)
	Configuration(ctx context.Context) (*pcmk.Configuration, error)
	FenceHistory(ctx context.Context, target string) ([]pcmk.FenceEvent, error)
}

// Database reads how long ago the pgsql monitor last wrote
// pacemaker_monitor; PG is the real one.
type Database interface {
	MonitorAge(ctx context.Context) (time.Duration, error)
}

// Sources are where Collect reads. Every source gets its own deadline and
// may fail alone: a node whose cluster stack is down still reports its DRBD,
// backups and clock.
type Sources struct {
	Node   string // this node's name
	Config *config.Config
	// IDs of the resources whose state is the database's and the ping's.
	Pgsql, Ping string
	Pacemaker   Pacemaker
	// Run runs drbdsetup, corosync-cfgtool and chronyc.
	Run runner.Runner
	// KernelLog returns the kernel log (split brain, verify results).
	KernelLog func() ([]string, error)
	Database  Database
	BackupDir string
	Now       func() time.Time
	// Timeout bounds each source; the sources are read in parallel, so it
	// also bounds the whole collection.
	Timeout time.Duration
	// Unprivileged says status does not run as root: a source refused for
	// lack of privileges is then reported as needing root, not as broken.
	Unprivileged bool
}

// Collect reads every source into a Report.
func Collect(ctx context.Context, src Sources) *Report {
	r := &Report{Schema: Schema, Node: src.Node, Time: src.Now().UTC()}
	var mu sync.Mutex
	fail := func(source string, err error) {
		mu.Lock()
		defer mu.Unlock()
		r.Errors = append(r.Errors, SourceError{Source: source, Error: err.Error(), NeedsRoot: src.Unprivileged && refused(err)})
	}
	took := func(source string, since time.Time) {
		d := time.Since(since)
		mu.Lock()
		defer mu.Unlock()
		r.Sources = append(r.Sources, SourceTime{Source: source, Millis: float64(d.Microseconds()) / 1000})
	}
	var wg sync.WaitGroup
	// Each job fills its own fields of r; fail and took are the only
	// shared writes.
	jobs := []struct {
		source string
		run    func(context.Context)
	}{
		{"pacemaker", func(ctx context.Context) { collectCluster(ctx, src, r, fail, took) }},
		{"cib", func(ctx context.Context) {
			cfg, err := src.Pacemaker.Configuration(ctx)
			if err != nil {
				fail("cib", err)
				return
			}
			r.Constraints = leftOver(cfg.Locations)
			r.FailureTimeout = cfg.FailureTimeout.Seconds()
			r.failureTimeouts = cfg.ResourceFailureTimeouts
		}},
		{"fencing", func(ctx context.Context) {
			events, err := src.Pacemaker.FenceHistory(ctx, "*")
			if err != nil {
				fail("fencing", err)
				return
			}
			r.Fencing = fenceEvents(events)
		}},
		{"corosync", func(ctx context.Context) {
			links, err := collectLinks(ctx, src)
			if err != nil {
				fail("corosync", err)
				return
			}
			r.Links = links
		}},
		{"drbd", func(ctx context.Context) { collectDRBD(ctx, src, r, fail) }},
		{"backup", func(context.Context) {
			b, err := newestBackup(src.BackupDir, src.Config.DBName)
			if err != nil {
				fail("backup", err)
				return
			}
			r.Backup = b
		}},
		{"clock", func(ctx context.Context) {
			w := timesync.Check(ctx, src.Run)
			r.Clock = &Clock{Synchronised: len(w) == 0, Warnings: w}
		}},
	}
	for _, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer took(job.source, time.Now())
			ctx, cancel := context.WithTimeout(ctx, src.Timeout)
			defer cancel()
			job.run(ctx)
		}()
	}
	wg.Wait()
	r.pacemakerRefused(src.Unprivileged)
	r.expire()
	// Sorted, not in the order the parallel sources finished, so that two
	// runs compare.
	slices.SortFunc(r.Errors, func(a, b SourceError) int { return strings.Compare(a.Source, b.Source) })
	slices.SortFunc(r.Sources, func(a, b SourceTime) int { return strings.Compare(a.Source, b.Source) })
	return r
}

// collectCluster reads crm_mon and, where the database runs on this node,
// the database's own view (timed on its own: it is the one source that
// waits on another).
func collectCluster(ctx context.Context, src Sources, r *Report, fail func(string, error), took func(string, time.Time)) {
	s, err := src.Pacemaker.Status(ctx)
	if err != nil {
		fail("pacemaker", err)
		return
	}
	c := &Cluster{MaintenanceMode: s.MaintenanceMode}
	for _, n := range s.Nodes {
		c.Nodes = append(c.Nodes, Node{Name: n.Name, Online: n.Online, Standby: n.Standby, Unclean: n.Unclean,
			Maintenance: n.Maintenance, Ping: s.Attribute(n.Name, "pingd")})
	}
	for _, res := range s.Resources {
		if res.ID == src.Ping {
			c.PingConfigured = true
		}
		if res.ID != src.Pgsql || !res.Active {
			continue
		}
		for _, n := range res.Nodes {
			c.DatabaseOn = append(c.DatabaseOn, n.Name)
		}
	}
	if len(c.DatabaseOn) == 1 {
		if at := s.Since(src.Pgsql, c.DatabaseOn[0]); !at.IsZero() {
			at = at.UTC()
			c.Since = &at
		}
	}
	c.Failures = failures(s)
	r.Cluster = c
	for _, n := range c.DatabaseOn {
		if n != src.Node || src.Database == nil {
			continue
		}
		start := time.Now()
		age, err := src.Database.MonitorAge(ctx)
		took("database", start)
		if err != nil {
			fail("database", err)
			return
		}
		r.Database = &DatabaseWrites{MonitorAge: age.Seconds()}
	}
}

// refusals are how the sources say that this user may not read them:
// the system's EACCES and EPERM, Pacemaker's IPC ("Insufficient
// privileges", "Access denied"), corosync's CS_ERR_ACCESS and PostgreSQL's peer
// authentication of a user that maps to no role.
var refusals = []string{"permission denied", "operation not permitted", "access denied", "insufficient privileges",
	"peer authentication failed", "cs_err_access", "error 11"}

// refused says err is a refusal for lack of privileges.
func refused(err error) bool {
	if errors.Is(err, fs.ErrPermission) {
		return true
	}
	text := strings.ToLower(err.Error())
	return slices.ContainsFunc(refusals, func(s string) bool { return strings.Contains(text, s) })
}

// pacemakerRefused: Pacemaker's CIB manager and fencer refuse a user
// outside haclient at connection, and cibadmin and stonith_admin then say
// "could not connect" as when they are down; crm_mon says it was refused.
// When it did, theirs were refusals too.
func (r *Report) pacemakerRefused(unprivileged bool) {
	if !unprivileged || !slices.ContainsFunc(r.Errors, func(e SourceError) bool { return e.Source == "pacemaker" && e.NeedsRoot }) {
		return
	}
	for i, e := range r.Errors {
		if e.Source == "cib" || e.Source == "fencing" {
			r.Errors[i].NeedsRoot = true
		}
	}
}

// failures lists every fail count, with the failed operation when crm_mon
// still lists it. Expiry needs failure-timeout, which another source reads:
// expire fills it in once both are in.
func failures(s *pcmk.Status) []Failure {
	var out []Failure
	for _, h := range s.History {
		if h.FailCount == 0 {
			continue
		}
		f := Failure{Resource: h.Resource, Node: h.Node, FailCount: h.FailCount, Threshold: h.MigrationThreshold}
		if !h.LastFailure.IsZero() {
			at := h.LastFailure.UTC()
			f.LastFailure = &at
		}
		for _, fl := range s.Failures {
			// op_key is <resource>_<task>_<interval ms>.
			if fl.Node == h.Node && strings.HasPrefix(fl.OpKey, h.Resource+"_") {
				f.Operation, f.Reason = fl.OpKey, fl.ExitReason
			}
		}
		out = append(out, f)
	}
	return out
}

// expire sets each failure's expiry from its resource's failure-timeout:
// the resource's own (or its group's or clone's) if it has one, else
// rsc_defaults'.
func (r *Report) expire() {
	if r.Cluster == nil {
		return
	}
	for i, f := range r.Cluster.Failures {
		timeout := time.Duration(r.FailureTimeout * float64(time.Second))
		// A clone's instances are <id>:<n> in the history.
		id, _, _ := strings.Cut(f.Resource, ":")
		if own, ok := r.failureTimeouts[id]; ok {
			timeout = own
		}
		if f.LastFailure != nil && timeout > 0 {
			at := f.LastFailure.Add(timeout)
			r.Cluster.Failures[i].Expires = &at
		}
	}
}

// leftOver keeps the location constraints that commands and handlers
// add: the shipped configuration has none of these ids.
func leftOver(locs []pcmk.LocationConstraint) []Constraint {
	var out []Constraint
	for _, l := range locs {
		c := Constraint{ID: l.ID, Resource: l.Rsc, Node: l.Node, Score: l.Score}
		switch {
		case strings.HasPrefix(l.ID, "cli-prefer-"):
			c.Kind = KindMove
		case strings.HasPrefix(l.ID, "cli-ban-"):
			c.Kind = KindBan
		case strings.HasPrefix(l.ID, "drbd-fence-by-handler-"):
			c.Kind = KindDRBDFence
		default:
			continue
		}
		out = append(out, c)
	}
	return out
}

func fenceEvents(events []pcmk.FenceEvent) []FenceEvent {
	var out []FenceEvent
	for _, e := range events {
		f := FenceEvent{Target: e.Target, Action: e.Action, Status: e.Status, Delegate: e.Delegate, Origin: e.Origin}
		if !e.Completed.IsZero() {
			at := e.Completed.UTC()
			f.Completed = &at
		}
		out = append(out, f)
	}
	return out
}

// collectLinks runs corosync-cfgtool -s and names the peers after the
// configuration's nodes: the corosync command writes nodeid i+1 for the
// configuration's i-th node.
func collectLinks(ctx context.Context, src Sources) ([]Link, error) {
	res, err := src.Run.Run(ctx, runner.Cmd{Path: CorosyncCfgtool, Args: []string{"-s"}})
	var exit *runner.ExitError
	// -s exits 1 when a link is faulty and still prints every link.
	if err != nil && !(errors.As(err, &exit) && exit.Code == 1 && len(res.Stdout) > 0) {
		return nil, fmt.Errorf("corosync links: %w", err)
	}
	links, err := ParseLinks(string(res.Stdout))
	if err != nil {
		return nil, fmt.Errorf("corosync links: %w", err)
	}
	for i := range links {
		for j, p := range links[i].Peers {
			if p.NodeID >= 1 && p.NodeID <= len(src.Config.Nodes) {
				links[i].Peers[j].Name = src.Config.Nodes[p.NodeID-1].Name
			}
		}
	}
	return links, nil
}

// collectDRBD reads the resource's state with statistics (out-of-sync)
// and the kernel log's split brain and verification messages.
func collectDRBD(ctx context.Context, src Sources, r *Report, fail func(string, error)) {
	if src.Config.Storage != config.StorageDRBD {
		return
	}
	name := src.Config.DRBDResource
	res, err := src.Run.Run(ctx, runner.Cmd{Path: Drbdsetup, Args: []string{"events2", "--now", "--statistics", name}})
	var exit *runner.ExitError
	var state drbdstate.Resource
	switch {
	case errors.As(err, &exit) && (strings.Contains(exit.Stderr, "No such resource") || strings.Contains(exit.Stderr, "not known")):
		// Down: an empty state says so.
	case err != nil:
		fail("drbd", fmt.Errorf("DRBD resource %s: %w", name, err))
		return
	default:
		if state, err = drbdstate.ParseEvents2(string(res.Stdout)); err != nil {
			fail("drbd", fmt.Errorf("DRBD resource %s: %w", name, err))
			return
		}
	}
	d := drbdReport(name, state)
	log, err := src.KernelLog()
	if err != nil {
		fail("kernel-log", err)
	} else {
		if sb, msg := drbdstate.SplitBrain(log, name, state.Minors()); sb {
			d.SplitBrain = msg
		}
		r.Verify = lastVerify(log, state.Minors())
	}
	r.DRBD = d
}

// DRBD 8.4's kernel messages at the end of an online verification
// (drbd_worker.c): "Online verify done (total 12 sec; paused 0 sec; ...)"
// and, when it found differences, "Online verify found 3 4k block out of
// sync!" just before.
var (
	verifyDone  = regexp.MustCompile(`Online verify done`)
	verifyFound = regexp.MustCompile(`Online verify found (\d+) 4k block`)
)

// lastVerify finds the last finished verification of the devices in log.
func lastVerify(log []string, minors []int) *Verify {
	v := &Verify{}
	var found int64
	for _, line := range log {
		if !aboutMinor(line, minors) {
			continue
		}
		if m := verifyFound.FindStringSubmatch(line); m != nil {
			found, _ = strconv.ParseInt(m[1], 10, 64)
		}
		if verifyDone.MatchString(line) {
			*v = Verify{Found: true, OutOfSyncBlocks: found, Message: strings.TrimSpace(line)}
			found = 0
		}
	}
	return v
}

func aboutMinor(line string, minors []int) bool {
	for _, m := range minors {
		tag := fmt.Sprintf("drbd%d", m)
		if i := strings.Index(line, tag); i >= 0 {
			rest := line[i+len(tag):]
			if rest == "" || rest[0] < '0' || rest[0] > '9' {
				return true
			}
		}
	}
	return false
}
