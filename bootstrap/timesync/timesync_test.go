package timesync

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

const synced = `Reference ID    : C0000201 (192.0.2.1)
Stratum         : 3
System time     : 0.000006523 seconds slow of NTP time
Last offset     : -0.000006747 seconds
Leap status     : Normal
`

func fake(out string, err error) runner.Runner {
	return runner.Func(func(_ context.Context, c runner.Cmd) (runner.Result, error) {
		if c.String() != Chronyc+" -n tracking" {
			return runner.Result{}, errors.New("unexpected command " + c.String())
		}
		return runner.Result{Stdout: []byte(out)}, err
	})
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		out  string
		err  error
		want []string // substrings, one per warning
	}{
		{"synchronised", synced, nil, nil},
		{"not synchronised", strings.Replace(synced, "Normal", "Not synchronised", 1), nil, []string{`Leap status "Not synchronised"`}},
		{"far off", strings.Replace(synced, "0.000006523 seconds slow", "2.500000000 seconds fast", 1), nil, []string{"2.500000000 s off NTP time"}},
		{"no chronyd", "", &runner.ExitError{Cmd: Chronyc, Code: 1, Stderr: "506 Cannot talk to daemon"}, []string{"install and start chrony"}},
		{"garbage", "hello\n", nil, []string{`Leap status ""`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(context.Background(), fake(tc.out, tc.err))
			if len(got) != len(tc.want) {
				t.Fatalf("warnings %q, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %q lacks %q", got[i], w)
				}
			}
			if slices.ContainsFunc(got, func(s string) bool { return s == "" }) {
				t.Error("empty warning")
			}
		})
	}
}
