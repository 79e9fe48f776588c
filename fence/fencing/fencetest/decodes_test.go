package fencetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/fence/fencing"
)

// recorder is a testing.TB that keeps what a check reports instead of
// failing the test, to show that the check fails on bad input.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

var decodeAgent = fencing.Agent{Name: "fence_test", Options: []fencing.Option{
	fencing.Plug, fencing.Username, fencing.Password,
	{Name: "ssh_path", Type: fencing.String, Ignored: "no ssh program runs"},
}}

type decodeConfig struct {
	user, password string
}

func TestDecodes(t *testing.T) {
	tests := []struct {
		name string
		load func(*fencing.Options) (decodeConfig, error)
		set  []string
		want []string // what the check reports, one substring each
	}{
		{"every name declared and read", func(o *fencing.Options) (decodeConfig, error) {
			return decodeConfig{user: o.String(fencing.Username.Name), password: o.Password()}, nil
		}, []string{"username=admin", "password=pw"}, nil},
		{"a misspelt name", func(o *fencing.Options) (decodeConfig, error) {
			return decodeConfig{user: o.String("usrname")}, nil
		}, nil, []string{"not declared: usrname", "never reads these declared options (declare them Ignored, or use them): username"}},
		{"refused values", func(o *fencing.Options) (decodeConfig, error) {
			c := decodeConfig{user: o.String(fencing.Username.Name)}
			if c.user == "" {
				return c, errors.New("username is required")
			}
			return c, nil
		}, nil, []string{"refuses the values: username is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			cfg := Decodes(r, decodeAgent, tt.load, tt.set...)
			if len(r.errors) != len(tt.want) {
				t.Fatalf("reported %q, want %d reports", r.errors, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(r.errors[i], w) {
					t.Errorf("report %q lacks %q", r.errors[i], w)
				}
			}
			if tt.want == nil && (cfg != decodeConfig{user: "admin", password: "pw"}) {
				t.Errorf("config %+v, want the set username and password", cfg)
			}
		})
	}
}
