package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
)

// config is ocf:qvd:drbd's parameters, decoded once by loadConfig: the
// actions read its fields, never a parameter by name.
type config struct {
	name   string // drbd_resource
	conf   string // drbdconf
	scores Scores // adjust_master_score

	stopOutdatesSecondary      bool
	ignoreMissingNotifications bool
	wfcTimeout                 time.Duration

	peerPrimary             peerPrimary // remove_master_score_if_peer_primary
	failPromoteEarly        bool        // fail_promote_early_if_peer_primary
	unfenceIfAllUpToDate    bool
	unfenceExtraArgs        string
	moduleGE, moduleLT      drbdstate.Version // require_drbd_module_version_ge/lt
	connectOnlyAfterPromote bool
}

// loadConfig decodes the parameters. The runtime has checked every value
// against its declaration (Type and Check) already, so an error here is a
// declaration that lets through what the decoding refuses. Every name is
// read before anything is checked, so that a test over the defaults
// (ocftest.Decodes) sees them all.
func loadConfig(p ocf.Params) (*config, error) {
	c := &config{
		name:                       p.String("drbd_resource"),
		conf:                       p.String("drbdconf"),
		stopOutdatesSecondary:      p.Bool("stop_outdates_secondary"),
		ignoreMissingNotifications: p.Bool("ignore_missing_notifications"),
		wfcTimeout:                 time.Duration(p.Int("wfc_timeout")) * time.Second,
		failPromoteEarly:           p.Bool("fail_promote_early_if_peer_primary"),
		unfenceIfAllUpToDate:       p.Bool("unfence_if_all_uptodate"),
		unfenceExtraArgs:           p.String("unfence_extra_args"),
		connectOnlyAfterPromote:    p.Bool("connect_only_after_promote"),
	}
	scores, peerPrimary := p.String("adjust_master_score"), p.String("remove_master_score_if_peer_primary")
	ge, lt := p.String("require_drbd_module_version_ge"), p.String("require_drbd_module_version_lt")

	var errs []error
	var err error
	if c.scores, err = parseScores(scores); err != nil {
		errs = append(errs, fmt.Errorf("parameter adjust_master_score=%q: %w", scores, err))
	}
	if c.peerPrimary, err = parsePeerPrimary(peerPrimary); err != nil {
		errs = append(errs, fmt.Errorf("parameter remove_master_score_if_peer_primary=%q: %w", peerPrimary, err))
	}
	if c.moduleGE, err = drbdstate.ParseVersion(ge); err != nil {
		errs = append(errs, fmt.Errorf("parameter require_drbd_module_version_ge: %w", err))
	}
	if c.moduleLT, err = drbdstate.ParseVersion(lt); err != nil {
		errs = append(errs, fmt.Errorf("parameter require_drbd_module_version_lt: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

type peerPrimary int

const (
	peerPrimaryIgnored peerPrimary = iota
	peerPrimaryAlways
	peerPrimaryUnexpected
)

// parsePeerPrimary reads remove_master_score_if_peer_primary: an OCF
// boolean or "unexpected", as in ocf:linbit:drbd, which reads any other
// value as false; this agent refuses it instead (the declaration's Check).
func parsePeerPrimary(v string) (peerPrimary, error) {
	if strings.EqualFold(v, "unexpected") {
		return peerPrimaryUnexpected, nil
	}
	b, err := ocf.ParseBool(v)
	switch {
	case err != nil:
		return peerPrimaryIgnored, errors.New("use true, false or unexpected")
	case b:
		return peerPrimaryAlways, nil
	}
	return peerPrimaryIgnored, nil
}
