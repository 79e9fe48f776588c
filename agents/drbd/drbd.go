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
	"github.com/qvd-ha/qvd-ha/agents/runner"
)

// host is where the agent finds DRBD; tests point it at fixtures.
type host struct {
	drbdadm   string
	drbdsetup string
	modprobe  string
	procDRBD  string
	kmsg      string
}

var system = host{
	drbdadm:   "/usr/sbin/drbdadm",
	drbdsetup: "/usr/sbin/drbdsetup",
	modprobe:  "/sbin/modprobe",
	procDRBD:  "/proc/drbd",
	kmsg:      "/dev/kmsg",
}

// retryInterval paces promote and demote retries.
const retryInterval = time.Second

// resource is the DRBD resource a request is about.
type resource struct {
	host
	req    *ocf.Request
	log    *ocf.Logger
	name   string
	conf   string
	scores Scores
}

func newResource(req *ocf.Request, h host) *resource {
	scores, _ := parseScores(req.Params.String("adjust_master_score")) // checked by the runtime
	return &resource{host: h, req: req, log: req.Log, name: req.Params.String("drbd_resource"),
		conf: req.Params.String("drbdconf"), scores: scores}
}

func start(ctx context.Context, req *ocf.Request) error { return newResource(req, system).start(ctx) }
func stop(ctx context.Context, req *ocf.Request) error  { return newResource(req, system).stop(ctx) }
func monitor(ctx context.Context, req *ocf.Request) error {
	return newResource(req, system).monitor(ctx)
}
func promote(ctx context.Context, req *ocf.Request) error {
	return newResource(req, system).promote(ctx)
}
func demote(ctx context.Context, req *ocf.Request) error { return newResource(req, system).demote(ctx) }
func notify(ctx context.Context, req *ocf.Request) error { return newResource(req, system).notify(ctx) }
func validate(ctx context.Context, req *ocf.Request) error {
	return newResource(req, system).validate(ctx)
}

// adm runs drbdadm on this resource: drbdadm -c conf <args> <resource>.
func (r *resource) adm(ctx context.Context, args ...string) (runner.Result, error) {
	args = append(append([]string{"-c", r.conf}, args...), r.name)
	return r.req.Run.Run(ctx, runner.Cmd{Path: r.drbdadm, Args: args})
}

// state reads the resource's state from the kernel, and the minors of its
// devices. A DRBD module that is not loaded means the resource is down.
func (r *resource) state(ctx context.Context) (State, []int, error) {
	if _, err := os.Stat(r.procDRBD); errors.Is(err, fs.ErrNotExist) {
		return State{}, nil, nil
	}
	res, err := r.req.Run.Run(ctx, runner.Cmd{Path: r.drbdsetup, Args: []string{"events2", "--now", r.name}})
	var exit *runner.ExitError
	if errors.As(err, &exit) && (strings.Contains(exit.Stderr, "No such resource") || strings.Contains(exit.Stderr, "not known")) {
		return State{}, nil, nil
	}
	if err != nil {
		return State{}, nil, fmt.Errorf("read DRBD state: %w", err)
	}
	// A resource that is down prints only "exists -".
	if strings.TrimSpace(strings.ReplaceAll(string(res.Stdout), "exists -", "")) == "" {
		return State{}, nil, nil
	}
	s, err := parseEvents2(string(res.Stdout))
	var minors []int
	for _, v := range s.Volumes {
		minors = append(minors, v.Minor)
	}
	return s, minors, err
}

func (r *resource) monitor(ctx context.Context) error {
	if r.req.IsProbe() {
		// A node that lacks DRBD or the resource simply does not run it.
		if err := r.checkInstalled(ctx); err != nil {
			r.log.Debugf("probe: %v", err)
			return ocf.Result(ocf.NotRunning)
		}
	}
	s, minors, err := r.state(ctx)
	if err != nil {
		return err
	}
	if !s.Configured {
		return ocf.Result(ocf.NotRunning)
	}
	if s.Conn == "StandAlone" {
		if log, err := readKmsg(r.kmsg); err != nil {
			r.log.Warnf("cannot check for split brain: %v", err)
		} else if sb, line := splitBrain(log, r.name, minors); sb {
			return r.reportSplitBrain(ctx, s, line)
		}
	}
	if err := r.updateScore(ctx, s); err != nil {
		return err
	}
	if s.Role == "Primary" {
		return ocf.Result(ocf.RunningPromoted)
	}
	return nil
}

func (r *resource) reportSplitBrain(ctx context.Context, s State, line string) error {
	howto := fmt.Sprintf("resolve by hand: on the node whose changes are to be DISCARDED run "+
		"'drbdadm secondary %[1]s; drbdadm connect --discard-my-data %[1]s', then on the other node 'drbdadm connect %[1]s'", r.name)
	r.log.Errorf("DRBD split brain on %s (%s); %s", r.name, line, howto)
	// Pacemaker keeps 128 characters of a reason: the state and the one
	// command that decides which changes are lost fit; the log has it all.
	if s.Role == "Primary" {
		return ocf.Fail(ocf.DegradedPromoted, "DRBD split brain on %[1]s, Primary serving; to discard a side: drbdadm connect --discard-my-data %[1]s there (see log)", r.name)
	}
	// Diverged data must never be promoted without an administrator.
	if err := ocf.DeletePromotionScore(ctx, r.req); err != nil {
		r.log.Warnf("%v", err)
	}
	return ocf.Fail(ocf.Degraded, "DRBD split brain on %[1]s, not promoted; to discard a side: drbdadm connect --discard-my-data %[1]s there (see log)", r.name)
}

// updateScore sets or removes this node's promotion score.
func (r *resource) updateScore(ctx context.Context, s State) error {
	if score := promotionScore(s, r.scores); score > 0 {
		return ocf.SetPromotionScore(ctx, r.req, score)
	}
	return ocf.DeletePromotionScore(ctx, r.req)
}

func (r *resource) start(ctx context.Context) error {
	if err := r.validate(ctx); err != nil {
		return err
	}
	s, _, err := r.state(ctx)
	if err != nil {
		return err
	}
	if !s.Configured {
		if err := r.loadModule(ctx); err != nil {
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
func (r *resource) waitForPeer(ctx context.Context) (State, error) {
	wait := time.Duration(r.req.Params.Int("wfc_timeout")) * time.Second
	limit := time.After(wait)
	for {
		s, _, err := r.state(ctx)
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
	s, _, err := r.state(ctx)
	if err != nil {
		return err
	}
	if s.Configured {
		if s.Role == "Primary" {
			if err := r.demote(ctx); err != nil {
				return err
			}
		}
		if r.req.Params.Bool("stop_outdates_secondary") && s.Connected() && s.PeerRole == "Primary" {
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
	if err := ocf.DeletePromotionScore(ctx, r.req); err != nil {
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
	for {
		s, _, err := r.state(ctx)
		if err != nil {
			return err
		}
		if !s.Configured {
			return ocf.Fail(ocf.NotRunning, "DRBD resource %s is not up", r.name)
		}
		if s.Role == role {
			return r.updateScore(ctx, s)
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
	s, _, err := r.state(ctx)
	if err != nil || !s.Configured {
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
	if err := r.checkClone(); err != nil {
		return err
	}
	return r.checkInstalled(ctx)
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
	if meta["notify"] != "true" && !r.req.Params.Bool("ignore_missing_notifications") {
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
