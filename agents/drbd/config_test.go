package main

import (
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/agents/ocf/ocftest"
	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
)

func TestLoadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  []string
		want config
	}{
		{"defaults", []string{"drbd_resource=r0"}, config{name: "r0", conf: "/etc/drbd.conf", scores: Scores{0, 10, 1000, 10000},
			wfcTimeout: 5 * time.Second, peerPrimary: peerPrimaryIgnored,
			unfenceExtraArgs: "--quiet --flock-required --flock-timeout 0 --unfence-only-if-owner-match",
			moduleGE:         drbdstate.Version{8, 0, 0}, moduleLT: drbdstate.Version{10, 0, 0}}},
		{"everything set", []string{"drbd_resource=postgres", "drbdconf=/etc/drbd.d/pg.res", "adjust_master_score=1 2 3 4",
			"stop_outdates_secondary=yes", "ignore_missing_notifications=1", "wfc_timeout=0",
			"remove_master_score_if_peer_primary=Unexpected", "fail_promote_early_if_peer_primary=true",
			"unfence_if_all_uptodate=on", "unfence_extra_args=--quiet", "require_drbd_module_version_ge=8.4.0",
			"require_drbd_module_version_lt=9.0.0", "connect_only_after_promote=true"},
			config{name: "postgres", conf: "/etc/drbd.d/pg.res", scores: Scores{1, 2, 3, 4}, stopOutdatesSecondary: true,
				ignoreMissingNotifications: true, peerPrimary: peerPrimaryUnexpected, failPromoteEarly: true,
				unfenceIfAllUpToDate: true, unfenceExtraArgs: "--quiet", moduleGE: drbdstate.Version{8, 4, 0},
				moduleLT: drbdstate.Version{9, 0, 0}, connectOnlyAfterPromote: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ocftest.Decodes(t, agent, loadConfig, tc.set...)
			if got == nil || *got != tc.want {
				t.Errorf("loadConfig:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestPeerPrimaryModes(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  peerPrimary
	}{
		{"false", peerPrimaryIgnored},
		{"no", peerPrimaryIgnored},
		{"true", peerPrimaryAlways},
		{"1", peerPrimaryAlways},
		{"unexpected", peerPrimaryUnexpected},
		{"UNEXPECTED", peerPrimaryUnexpected},
	} {
		cfg := ocftest.Decodes(t, agent, loadConfig, "remove_master_score_if_peer_primary="+tc.value)
		if cfg == nil || cfg.peerPrimary != tc.want {
			t.Errorf("remove_master_score_if_peer_primary=%s decoded as %+v, want mode %d", tc.value, cfg, tc.want)
		}
	}
}

// TestLoadConfigRefuses shows that loadConfig refuses what the
// declarations' checks refuse, should one ever let a value through.
func TestLoadConfigRefuses(t *testing.T) {
	for _, set := range []string{
		"adjust_master_score=0 10 5 10000",
		"remove_master_score_if_peer_primary=sometimes",
		"require_drbd_module_version_ge=9",
		"require_drbd_module_version_lt=v10.0.0",
	} {
		name, value, _ := strings.Cut(set, "=")
		params, _ := ocf.NewTrial(agent.Params, map[string]string{name: value})
		if _, err := loadConfig(params); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("loadConfig with %s: error %v, want one naming the parameter", set, err)
		}
	}
}
