package ocf

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

type testConfig struct {
	path string
	port int
}

func loadTestConfig(p Params) (testConfig, error) {
	c := testConfig{path: p.String("path"), port: p.Int("port")}
	if c.port == 1 {
		return c, errors.New("port 1 is no place for it")
	}
	if c.port == 2 {
		return c, Fail(ErrInstalled, "port 2 is taken here")
	}
	return c, nil
}

// TestDecoded: the action gets the configuration load made; a plain error
// from load is a configuration error, an *Error keeps its code.
func TestDecoded(t *testing.T) {
	tests := []struct {
		name       string
		port       string
		wantRC     RC
		wantReason string
	}{
		{"decoded", "5433", Success, ""},
		{"plain error", "1", ErrConfigured, "port 1 is no place for it"},
		{"typed error", "2", ErrInstalled, "port 2 is taken here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got testConfig
			start := Decoded(loadTestConfig, func(_ context.Context, _ *Request, c testConfig) error {
				got = c
				return nil
			})
			r := dispatch(t, withFunc(testAgent(), "start", start), validEnv("OCF_RESKEY_port="+tt.port), nil, "start")
			if r.rc != tt.wantRC {
				t.Fatalf("rc %s, want %s; stderr:\n%s", r.rc, tt.wantRC, r.stderr)
			}
			if tt.wantRC == Success && (got != testConfig{path: "/srv/data", port: 5433}) {
				t.Errorf("action got %+v", got)
			}
			if tt.wantReason != "" && !strings.Contains(r.stderr, "ocf-exit-reason:"+tt.wantReason+"\n") {
				t.Errorf("stderr lacks reason %q:\n%s", tt.wantReason, r.stderr)
			}
		})
	}
}

// TestTrial: trial Params hold defaults and given values, record an
// undeclared name instead of panicking, and know what was never read.
func TestTrial(t *testing.T) {
	decls := []Param{
		{Name: "path", Required: true},
		{Name: "port", Type: Integer, Default: "5432"},
		{Name: "enabled", Type: Boolean, Default: "true"},
		{Name: "psql", Ignored: "not used"},
		{Name: "unused"},
	}
	p, trial := NewTrial(decls, map[string]string{"path": "/srv"})
	if got := p.String("path"); got != "/srv" || !p.IsSet("path") {
		t.Errorf("path %q (set %v), want the given /srv", got, p.IsSet("path"))
	}
	if got := p.Int("port"); got != 5432 || p.IsSet("port") {
		t.Errorf("port %d (set %v), want the default 5432", got, p.IsSet("port"))
	}
	if !p.Bool("enabled") {
		t.Error("enabled: want the default true")
	}
	_ = p.String("pasword")
	_ = p.Bool("enable")
	_ = p.String("pasword")
	if got, want := trial.Undeclared(), []string{"pasword", "enable"}; !slices.Equal(got, want) {
		t.Errorf("undeclared %q, want %q", got, want)
	}
	if got, want := trial.Unread(), []string{"unused"}; !slices.Equal(got, want) {
		t.Errorf("unread %q, want %q (an Ignored parameter need not be read)", got, want)
	}
}
