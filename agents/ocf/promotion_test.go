package ocf

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

func TestPromotionScore(t *testing.T) {
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
				req := &Request{Action: "monitor", Run: runner.Func(f.run)}
				var err error
				want := tt.set
				if op == "set" {
					err = SetPromotionScore(context.Background(), req, 1000)
				} else {
					err = DeletePromotionScore(context.Background(), req)
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
		if err := SetPromotionScore(context.Background(), &Request{Run: runner.Func(f.run)}, score); err != nil {
			t.Fatal(err)
		}
		if len(f.calls) != 1 || f.calls[0] != want {
			t.Errorf("score %d: calls %q, want %q", score, f.calls, want)
		}
	}
}

// Through the dispatcher the runner is traced; the fallback must still see
// crm_attribute's exit status, and the context is the action's.
func TestPromotionScoreInAction(t *testing.T) {
	f := &fakeCrm{outcomes: map[string]error{CrmAttribute: exitErr(CrmAttribute, 64, "crm_attribute: Unknown option -p")}}
	var sawDeadline bool
	run := runner.Func(func(ctx context.Context, cmd runner.Cmd) (runner.Result, error) {
		_, sawDeadline = ctx.Deadline()
		return f.run(ctx, cmd)
	})
	a := withFunc(testAgent(), "promote", func(ctx context.Context, req *Request) error {
		return SetPromotionScore(ctx, req, 10000)
	})
	r := dispatch(t, a, validEnv("OCF_TRACE_RA=1", "OCF_TRACE_FILE=/dev/stderr"), run, "promote")
	if r.rc != Success {
		t.Fatalf("rc %s, stderr:\n%s", r.rc, r.stderr)
	}
	if want := []string{"/usr/sbin/crm_attribute -p -v 10000", "/usr/sbin/crm_master -l reboot -v 10000"}; !slices.Equal(f.calls, want) {
		t.Errorf("calls %q, want %q", f.calls, want)
	}
	if !sawDeadline {
		t.Error("crm_attribute ran without the action's deadline")
	}
}
