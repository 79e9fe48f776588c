package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// host is where the agent finds DRBD; tests point it at fixtures.
type host struct {
	drbdadm   string
	drbdsetup string
	modprobe  string
	procDRBD  string
	kmsg      string
	proc      string // where pacemaker-attrd is looked for
	// cacheDir holds the promotion score last set; a tmpfs, so that a
	// reboot, which empties attrd too, empties it.
	cacheDir string
}

var system = host{
	drbdadm:   "/usr/sbin/drbdadm",
	drbdsetup: "/usr/sbin/drbdsetup",
	modprobe:  "/sbin/modprobe",
	procDRBD:  "/proc/drbd",
	kmsg:      "/dev/kmsg",
	proc:      "/proc",
	cacheDir:  "/run/qvd-ha/drbd",
}

// retryInterval paces promote and demote retries.
const retryInterval = time.Second

// resource is the DRBD resource a request is about.
type resource struct {
	host
	*config
	req *ocf.Request
	log *ocf.Logger
}

// action makes a method of resource an action of the agent, run on the
// parameters as loadConfig decodes them.
func action(m func(*resource, context.Context) error) ocf.ActionFunc {
	return ocf.Decoded(loadConfig, func(ctx context.Context, req *ocf.Request, cfg *config) error {
		return m(&resource{host: system, config: cfg, req: req, log: req.Log}, ctx)
	})
}

// adm runs drbdadm on this resource: drbdadm -c conf <args> <resource>.
func (r *resource) adm(ctx context.Context, args ...string) (runner.Result, error) {
	args = append(append([]string{"-c", r.conf}, args...), r.name)
	return r.req.Run.Run(ctx, runner.Cmd{Path: r.drbdadm, Args: args})
}

// state reads the resource's state from the kernel. A DRBD module that is
// not loaded means the resource is down.
func (r *resource) state(ctx context.Context) (drbdstate.Resource, error) {
	if _, err := os.Stat(r.procDRBD); errors.Is(err, fs.ErrNotExist) {
		return drbdstate.Resource{}, nil
	}
	res, err := r.req.Run.Run(ctx, runner.Cmd{Path: r.drbdsetup, Args: []string{"events2", "--now", r.name}})
	var exit *runner.ExitError
	if errors.As(err, &exit) && (strings.Contains(exit.Stderr, "No such resource") || strings.Contains(exit.Stderr, "not known")) {
		return drbdstate.Resource{}, nil
	}
	if err != nil {
		return drbdstate.Resource{}, fmt.Errorf("read DRBD state: %w", err)
	}
	return drbdstate.ParseEvents2(string(res.Stdout))
}

func (r *resource) monitor(ctx context.Context) error {
	if r.req.IsProbe() {
		// A node that lacks DRBD or the resource simply does not run it.
		if err := r.checkInstalled(ctx); err != nil {
			r.log.Debugf("probe: %v", err)
			return ocf.Result(ocf.NotRunning)
		}
	}
	s, err := r.state(ctx)
	if err != nil {
		return err
	}
	if !s.Up {
		return ocf.Result(ocf.NotRunning)
	}
	// Not only StandAlone: once Pacemaker restarts the instance (a
	// Primary found where it wanted a Secondary), DRBD waits for the peer
	// (WFConnection) with the same diverged data.
	if !s.Connected() {
		if log, err := drbdstate.ReadKernelLog(r.kmsg); err != nil {
			r.log.Warnf("cannot check for split brain: %v", err)
		} else if sb, line := drbdstate.SplitBrain(log, r.name, s.Minors()); sb {
			return r.reportSplitBrain(ctx, s, line)
		}
	}
	if err := r.updateScore(ctx, s); err != nil {
		return err
	}
	if s.Role == "Primary" {
		r.maybeUnfence(ctx, s)
		return ocf.Result(ocf.RunningPromoted)
	}
	return nil
}

// maybeUnfence runs DRBD's unfence-peer handler (unfence_if_all_uptodate)
// once both sides are UpToDate: a fencing constraint left behind would
// otherwise keep the peer from being promoted. The handler's outcome does
// not change the monitor's: it is a clean-up.
func (r *resource) maybeUnfence(ctx context.Context, s drbdstate.Resource) {
	if !r.unfenceIfAllUpToDate ||
		!s.AllDisks(func(v drbdstate.Volume) bool { return v.Disk == "UpToDate" && v.PeerDisk == "UpToDate" }) {
		return
	}
	_, err := r.req.Run.Run(ctx, runner.Cmd{Path: r.drbdadm, Args: []string{"-c", r.conf, "unfence-peer", r.name},
		Env: []string{"OCF_RESKEY_unfence_extra_args=" + r.unfenceExtraArgs}})
	if err != nil {
		r.log.Warnf("drbdadm unfence-peer %s: %v", r.name, err)
	}
}

func (r *resource) reportSplitBrain(ctx context.Context, s drbdstate.Resource, line string) error {
	howto := fmt.Sprintf("resolve by hand: on the node whose changes are to be DISCARDED run "+
		"'drbdadm secondary %[1]s; drbdadm connect --discard-my-data %[1]s', then on the other node 'drbdadm connect %[1]s'", r.name)
	r.log.Errorf("DRBD split brain on %s (%s); %s", r.name, line, howto)
	// Pacemaker keeps 128 characters of a reason: the state and the one
	// command that decides which changes are lost fit; the log has it all.
	if s.Role == "Primary" {
		return ocf.Fail(ocf.DegradedPromoted, "DRBD split brain on %[1]s, Primary serving; to discard a side: drbdadm connect --discard-my-data %[1]s there (see log)", r.name)
	}
	// Diverged data must never be promoted without an administrator.
	if err := r.setScore(ctx, 0); err != nil {
		r.log.Warnf("%v", err)
	}
	return ocf.Fail(ocf.Degraded, "DRBD split brain on %[1]s, not promoted; to discard a side: drbdadm connect --discard-my-data %[1]s there (see log)", r.name)
}

// updateScore sets or removes this node's promotion score.
func (r *resource) updateScore(ctx context.Context, s drbdstate.Resource) error {
	if r.peerPrimaryRemovesScore(ctx, s) {
		return r.setScore(ctx, 0)
	}
	return r.setScore(ctx, promotionScore(s, r.scores))
}

// peerPrimaryRemovesScore applies remove_master_score_if_peer_primary: a
// Secondary connected to a healthy Primary peer gets no score, always or
// only when Pacemaker knows of no promoted instance (a cluster split that
// DRBD's link survived).
func (r *resource) peerPrimaryRemovesScore(ctx context.Context, s drbdstate.Resource) bool {
	mode := r.peerPrimary
	if mode == peerPrimaryIgnored || s.Role == "Primary" || !s.Connected() || s.PeerRole != "Primary" ||
		!s.AllDisks(func(v drbdstate.Volume) bool { return v.PeerDisk == "UpToDate" }) {
		return false
	}
	if mode == peerPrimaryAlways {
		return true
	}
	if r.promotedMax() != 1 {
		return false
	}
	known, err := r.pacemakerKnowsPromoted(ctx)
	if err != nil {
		// Scored as usual: not knowing is no reason to block a failover.
		r.log.Warnf("remove_master_score_if_peer_primary=unexpected: %v", err)
		return false
	}
	if !known {
		r.log.Infof("DRBD resource %s is connected to a Primary that Pacemaker does not know about: removing the promotion score", r.name)
	}
	return !known
}

// pacemakerKnowsPromoted reports whether Pacemaker sees this clone
// promoted on another node (crm_resource --locate).
func (r *resource) pacemakerKnowsPromoted(ctx context.Context) (bool, error) {
	rsc, _, _ := strings.Cut(r.req.Instance, ":")
	where, err := pcmk.Tools{Run: r.req.Run}.Locate(ctx, rsc)
	if err != nil {
		return false, err
	}
	self := r.req.Meta["on_node"]
	if self == "" {
		self, _ = os.Hostname()
	}
	for _, l := range where {
		if l.Promoted && !strings.EqualFold(l.Node, self) {
			return true, nil
		}
	}
	return false, nil
}

func (r *resource) promotedMax() int {
	v := r.req.Meta["promoted_max"]
	if v == "" {
		v = r.req.Meta["master_max"]
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 1 // Pacemaker's default
	}
	return n
}

func (r *resource) start(ctx context.Context) error {
	if err := r.validate(ctx); err != nil {
		return err
	}
	s, err := r.state(ctx)
	if err != nil {
		return err
	}
	if !s.Up {
		if err := r.loadModule(ctx); err != nil {
			return err
		}
		if err := r.checkModuleVersion(); err != nil {
			return err
		}
		r.log.Infof("bringing up DRBD resource %s", r.name)
		if _, err := r.adm(ctx, "up"); err != nil {
			return ocf.Fail(ocf.ErrGeneric, "drbdadm up %s: %v", r.name, err)
		}
	}
	s, err = r.waitForPeer(ctx)
	if err != nil {
		return err
	}
	return r.updateScore(ctx, s)
}

func (r *resource) loadModule(ctx context.Context) error {
	if _, err := os.Stat(r.procDRBD); err == nil {
		return nil
	}
	if _, err := r.req.Run.Run(ctx, runner.Cmd{Path: r.modprobe, Args: []string{"drbd"}}); err != nil {
		return ocf.Fail(ocf.ErrInstalled, "the DRBD kernel module does not load on this node: %v", err)
	}
	return nil
}

// waitForPeer waits up to wfc_timeout for the connection, within the
// operation's deadline. Not reaching the peer is no failure: it may be down.
func (r *resource) waitForPeer(ctx context.Context) (drbdstate.Resource, error) {
	wait := r.wfcTimeout
	limit := time.After(wait)
	for {
		s, err := r.state(ctx)
		if err != nil || s.Connected() || wait <= 0 {
			return s, err
		}
		select {
		case <-ctx.Done():
			return s, nil
		case <-limit:
			r.log.Infof("DRBD resource %s: peer not connected after %s (%s); continuing", r.name, wait, s.Conn)
			return s, nil
		case <-time.After(retryInterval / 5):
		}
	}
}

func (r *resource) stop(ctx context.Context) error {
	s, err := r.state(ctx)
	if err != nil {
		return err
	}
	if s.Up {
		if s.Role == "Primary" {
			if err := r.demote(ctx); err != nil {
				return err
			}
		}
		if r.stopOutdatesSecondary && s.Connected() && s.PeerRole == "Primary" {
			// Disconnect first: DRBD refuses to outdate a connected disk.
			r.log.Infof("marking %s Outdated: the peer is Primary", r.name)
			if _, err := r.adm(ctx, "disconnect"); err == nil {
				if _, err := r.adm(ctx, "outdate"); err != nil {
					r.log.Warnf("drbdadm outdate %s: %v", r.name, err)
				}
			}
		}
		r.log.Infof("taking down DRBD resource %s", r.name)
		if _, err := r.adm(ctx, "down"); err != nil {
			return ocf.Fail(ocf.ErrGeneric, "drbdadm down %s: %v", r.name, err)
		}
	}
	// A stale score would let the scheduler promote a stopped instance.
	if err := r.setScore(ctx, 0); err != nil {
		r.log.Warnf("%v", err)
	}
	return nil
}

func (r *resource) promote(ctx context.Context) error {
	return r.switchRole(ctx, "Primary", "primary")
}

func (r *resource) demote(ctx context.Context) error {
	return r.switchRole(ctx, "Secondary", "secondary")
}

// switchRole runs drbdadm primary|secondary until the role is reached or
// the deadline comes; drbdadm primary's exit code 17 (no UpToDate data, or
// fencing the peer failed) will not change by retrying.
func (r *resource) switchRole(ctx context.Context, role, verb string) error {
	failEarly := verb == "primary" && r.failPromoteEarly && r.promotedMax() == 1
	for tries := 0; ; tries++ {
		s, err := r.state(ctx)
		if err != nil {
			return err
		}
		if !s.Up {
			return ocf.Fail(ocf.NotRunning, "DRBD resource %s is not up", r.name)
		}
		if s.Role == role {
			return r.updateScore(ctx, s)
		}
		if failEarly && tries > 0 && s.Connected() && s.PeerRole == "Primary" {
			// The first try checked that the peer is alive; with one
			// promoted instance, more tries only wait for the timeout.
			if err := r.setScore(ctx, 0); err != nil {
				r.log.Warnf("%v", err)
			}
			return ocf.Fail(ocf.ErrGeneric, "the peer of DRBD resource %s is still Primary; not retrying (fail_promote_early_if_peer_primary)", r.name)
		}
		_, err = r.adm(ctx, verb)
		if err == nil {
			r.log.Infof("DRBD resource %s is %s", r.name, role)
			continue // confirm and set the score
		}
		var exit *runner.ExitError
		if verb == "primary" && errors.As(err, &exit) && exit.Code == 17 {
			return ocf.Fail(ocf.ErrGeneric, "drbdadm primary %s refused (exit 17): no UpToDate data here, or fencing the peer failed; not retrying: %s", r.name, lastLine(exit.Stderr))
		}
		r.log.Warnf("drbdadm %s %s: %v; retrying", verb, r.name, err)
		select {
		case <-ctx.Done():
			return ocf.Fail(ocf.ErrGeneric, "DRBD resource %s did not become %s in time: %v", r.name, role, err)
		case <-time.After(retryInterval):
		}
	}
}

// notify keeps the connection and the promotion score right as the peer
// starts, stops, is promoted or demoted.
func (r *resource) notify(ctx context.Context) error {
	n := r.req.Notify
	if n.Type != "post" {
		return nil
	}
	s, err := r.state(ctx)
	if err != nil || !s.Up {
		return err
	}
	if n.Operation == "start" && !s.Connected() && s.Conn != "StandAlone" {
		// The peer came up: have DRBD apply its configuration again,
		// which reconnects a connection that gave up.
		if _, err := r.adm(ctx, "adjust"); err != nil {
			r.log.Warnf("drbdadm adjust %s: %v", r.name, err)
		}
	}
	return r.updateScore(ctx, s)
}

func (r *resource) validate(ctx context.Context) error {
	if r.connectOnlyAfterPromote {
		return ocf.Fail(ocf.ErrConfigured, "parameter connect_only_after_promote=true is not supported: ocf:qvd:drbd connects on start; use fencing")
	}
	if err := r.checkClone(); err != nil {
		return err
	}
	if err := r.checkInstalled(ctx); err != nil {
		return err
	}
	return r.checkModuleVersion()
}

// reload applies changed parameters to a running resource: they are decoded
// afresh for every action, so what is left is DRBD's configuration
// (drbdadm adjust, as ocf:linbit:drbd does, which also applies a changed
// drbdconf) and the promotion score (adjust_master_score and the peer
// parameters).
func (r *resource) reload(ctx context.Context) error {
	if err := r.validate(ctx); err != nil {
		return err
	}
	s, err := r.state(ctx)
	if err != nil {
		return err
	}
	if !s.Up {
		return ocf.Fail(ocf.NotRunning, "DRBD resource %s is not up: nothing to reload", r.name)
	}
	if _, err := r.adm(ctx, "adjust"); err != nil {
		return ocf.Fail(ocf.ErrGeneric, "drbdadm adjust %s: %v", r.name, err)
	}
	if s, err = r.state(ctx); err != nil {
		return err
	}
	return r.updateScore(ctx, s)
}

// checkModuleVersion applies require_drbd_module_version_ge/lt to the
// loaded module; one not loaded yet is checked by start once loaded.
func (r *resource) checkModuleVersion() error {
	raw, err := os.ReadFile(r.procDRBD)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return ocf.Fail(ocf.ErrGeneric, "DRBD module version: %v", err)
	}
	have, err := drbdstate.ModuleVersion(string(raw))
	if err != nil {
		return ocf.Fail(ocf.ErrGeneric, "DRBD module version in %s: %v", r.procDRBD, err)
	}
	if have.Less(r.moduleGE) {
		return ocf.Fail(ocf.ErrInstalled, "the DRBD module is version %s, require_drbd_module_version_ge is %s", have, r.moduleGE)
	}
	if !have.Less(r.moduleLT) {
		return ocf.Fail(ocf.ErrInstalled, "the DRBD module is version %s, require_drbd_module_version_lt is %s", have, r.moduleLT)
	}
	return nil
}

// checkClone checks the clone meta attributes: they are the same on every
// node, so a mistake is ErrConfigured.
func (r *resource) checkClone() error {
	meta := r.req.Meta
	if meta["clone_max"] == "" {
		return ocf.Fail(ocf.ErrConfigured, "ocf:qvd:drbd must run as a promotable clone (no clone meta attributes)")
	}
	promoted := meta["promoted_max"]
	if promoted == "" {
		promoted = meta["master_max"]
	}
	if n, err := strconv.Atoi(promoted); err == nil && n > 2 {
		return ocf.Fail(ocf.ErrConfigured, "promoted-max=%d: DRBD has at most two Primaries", n)
	}
	if n := meta["clone_node_max"]; n != "" && n != "1" {
		return ocf.Fail(ocf.ErrConfigured, "clone-node-max=%s: one DRBD instance per node", n)
	}
	if meta["notify"] != "true" && !r.ignoreMissingNotifications {
		return ocf.Fail(ocf.ErrConfigured, "the clone needs notify=true (or set ignore_missing_notifications)")
	}
	return nil
}

// checkInstalled checks what this node must have: drbdadm, the
// configuration, and the resource in it. Configuration files are per node.
func (r *resource) checkInstalled(ctx context.Context) error {
	if _, err := os.Stat(r.drbdadm); err != nil {
		return ocf.Fail(ocf.ErrInstalled, "drbdadm is not installed on this node (%s)", r.drbdadm)
	}
	if _, err := os.Stat(r.conf); err != nil {
		return ocf.Fail(ocf.ErrInstalled, "drbdconf %s does not exist on this node", r.conf)
	}
	if _, err := r.adm(ctx, "sh-minor"); err != nil {
		return ocf.Fail(ocf.ErrInstalled, "drbd_resource %s is not defined in %s on this node: %v", r.name, r.conf, err)
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
