package pcmk

import (
	"strings"
	"testing"
	"time"
)

func TestMoveAndClear(t *testing.T) {
	ctx := testContext(t)
	tools, _ := offline(t, "cib-running.xml")
	constraints := func() string {
		t.Helper()
		out, err := tools.QueryCIB(ctx, "constraints")
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	if err := tools.Move(ctx, "g_postgres", "qvddb2", 90*time.Second+time.Millisecond); err != nil {
		t.Fatal(err)
	}
	c := constraints()
	for _, want := range []string{`id="cli-prefer-g_postgres"`, `value="qvddb2"`, `cli-prefer-lifetime-end-g_postgres`} {
		if !strings.Contains(c, want) {
			t.Errorf("after Move, the constraints lack %s:\n%s", want, c)
		}
	}
	// The other node's name must not remove the preference for qvddb2.
	if err := tools.Clear(ctx, "g_postgres", "qvddb1"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(constraints(), "cli-prefer-g_postgres") {
		t.Error("Clear for qvddb1 removed the preference for qvddb2")
	}
	if err := tools.Clear(ctx, "g_postgres", "qvddb2"); err != nil {
		t.Fatal(err)
	}
	if c := constraints(); strings.Contains(c, "cli-") {
		t.Errorf("after Clear:\n%s", c)
	}
	if err := tools.Clear(ctx, "g_postgres", "qvddb2"); err != nil {
		t.Errorf("Clear with nothing to remove: %v", err)
	}

	for _, tc := range []struct {
		name, rsc, node string
		lifetime        time.Duration
		want            string
	}{
		{"to where it runs", "g_postgres", "qvddb1", time.Minute, "g_postgres to qvddb1"},
		{"unknown resource", "nosuch", "qvddb2", time.Minute, "nosuch"},
		{"no lifetime", "g_postgres", "qvddb2", 0, "not positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tools.Move(ctx, tc.rsc, tc.node, tc.lifetime)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Move: %v; want an error naming %q", err, tc.want)
			}
		})
	}
}
