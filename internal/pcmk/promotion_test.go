package pcmk

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// fakeCrm answers crm_attribute and crm_master from a table of outcomes and
// records every call.
type fakeCrm struct {
	outcomes map[string]error // by path; nil = success
	calls    []string
}

func (f *fakeCrm) run(_ context.Context, cmd runner.Cmd) (runner.Result, error) {
	f.calls = append(f.calls, cmd.String())
	err := f.outcomes[cmd.Path]
	var exit *runner.ExitError
	if errors.As(err, &exit) {
		return runner.Result{ExitCode: exit.Code, Stderr: []byte(exit.Stderr)}, err
	}
	return runner.Result{}, err
}

func exitErr(path string, code int, stderr string) error {
	return &runner.ExitError{Cmd: path, Code: code, Stderr: stderr}
}

// Pacemaker before 2.1 has no crm_attribute --promotion: the scores go
// through crm_master, whichever way the option parser said so.
func TestPromotionScoreFallback(t *testing.T) {
	const (
		modernSet = "/usr/sbin/crm_attribute -p -v 1000"
		legacySet = "/usr/sbin/crm_master -l reboot -v 1000"
		modernDel = "/usr/sbin/crm_attribute -p -D"
		legacyDel = "/usr/sbin/crm_master -l reboot -D"
	)
	oldPacemaker := []string{
		"crm_attribute: Unknown option -p\n",                         // glib
		"crm_attribute: invalid option -- 'p'\nusage: crm_attribute", // getopt, then usage
		"crm_attribute: unrecognized option '--promotion'\n",
	}
	type tc struct {
		name     string
		outcomes map[string]error
		set      []string // calls made by SetPromotionScore(1000)
		del      []string // calls made by DeletePromotionScore
		wantErr  string   // "" = success
	}
	tests := []tc{
		{"Pacemaker 2.1", nil, []string{modernSet}, []string{modernDel}, ""},
		{"crm_attribute fails otherwise", map[string]error{CrmAttribute: exitErr(CrmAttribute, 102, "Could not connect to the CIB: Transport endpoint is not connected\n")},
			[]string{modernSet}, []string{modernDel},
			"promotion score: /usr/sbin/crm_attribute exited with status 102: Could not connect to the CIB: Transport endpoint is not connected"},
		{"crm_attribute does not finish", map[string]error{CrmAttribute: context.DeadlineExceeded},
			[]string{modernSet}, []string{modernDel}, "promotion score: context deadline exceeded"},
	}
	for _, stderr := range oldPacemaker {
		tests = append(tests,
			tc{"old Pacemaker: " + strings.SplitN(stderr, "\n", 2)[0],
				map[string]error{CrmAttribute: exitErr(CrmAttribute, 64, stderr)},
				[]string{modernSet, legacySet}, []string{modernDel, legacyDel}, ""},
			tc{"old Pacemaker, crm_master fails: " + strings.SplitN(stderr, "\n", 2)[0],
				map[string]error{CrmAttribute: exitErr(CrmAttribute, 64, stderr), CrmMaster: exitErr(CrmMaster, 1, "Error performing operation: No such device or address")},
				[]string{modernSet, legacySet}, []string{modernDel, legacyDel},
				"promotion score: /usr/sbin/crm_master exited with status 1: Error performing operation: No such device or address"})
	}
	for _, tt := range tests {
		for _, op := range []string{"set", "delete"} {
			t.Run(tt.name+"/"+op, func(t *testing.T) {
				f := &fakeCrm{outcomes: tt.outcomes}
				tools := Tools{Run: runner.Func(f.run)}
				var err error
				want := tt.set
				if op == "set" {
					err = tools.SetPromotionScore(context.Background(), 1000)
				} else {
					err = tools.DeletePromotionScore(context.Background())
					want = tt.del
				}
				if !slices.Equal(f.calls, want) {
					t.Errorf("calls %q, want %q", f.calls, want)
				}
				switch {
				case tt.wantErr == "" && err != nil:
					t.Errorf("error %v, want success", err)
				case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
					t.Errorf("error %v, want %q", err, tt.wantErr)
				case tt.wantErr != "" && !errors.Is(err, tt.outcomes[CrmAttribute]) && !errors.Is(err, tt.outcomes[CrmMaster]):
					t.Errorf("error %v does not wrap the command's error", err)
				}
			})
		}
	}
}

func TestPromotionScoreValues(t *testing.T) {
	for score, want := range map[int]string{
		0: "/usr/sbin/crm_attribute -p -v 0", -1: "/usr/sbin/crm_attribute -p -v -1",
		1000000: "/usr/sbin/crm_attribute -p -v 1000000", 10: "/usr/sbin/crm_attribute -p -v 10",
	} {
		f := &fakeCrm{}
		if err := (Tools{Run: runner.Func(f.run)}).SetPromotionScore(context.Background(), score); err != nil {
			t.Fatal(err)
		}
		if len(f.calls) != 1 || f.calls[0] != want {
			t.Errorf("score %d: calls %q, want %q", score, f.calls, want)
		}
	}
}
