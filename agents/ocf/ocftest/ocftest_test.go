package ocftest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// recorder is a testing.TB that keeps what a check reports instead of
// failing the test, to show that the check fails on bad input.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// run calls check with a recorder and returns what it reported.
func run(t *testing.T, check func(testing.TB)) *recorder {
	t.Helper()
	r := &recorder{TB: t}
	check(r)
	return r
}

const validMetadata = `<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="x" version="1">
  <version>1.1</version>
  <longdesc lang="en">l</longdesc>
  <shortdesc lang="en">s</shortdesc>
  <parameters>
    <parameter name="p" unique="0" required="0">
      <longdesc lang="en">p</longdesc>
      <shortdesc lang="en">p</shortdesc>
      <content type="string"/>
    </parameter>
  </parameters>
  <actions>
    <action name="start" timeout="20s"/>
    <action name="meta-data" timeout="5s"/>
  </actions>
</resource-agent>
`

func TestValidateMetadata(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		// which validators must complain: the DTD, metadata.rng
		dtd, rng bool
	}{
		{"valid", validMetadata, false, false},
		{"reload-agent: DTD only", strings.Replace(validMetadata, `name="start"`, `name="reload-agent"`, 1), true, false},
		{"no shortdesc lang: RNG only", strings.Replace(validMetadata, `<shortdesc lang="en">p</shortdesc>`, `<shortdesc>p</shortdesc>`, 1), false, true},
		{"reloadable attribute: both", strings.Replace(validMetadata, `required="0"`, `required="0" reloadable="1"`, 1), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, func(tb testing.TB) { ValidateMetadata(tb, []byte(tt.doc)) })
			var dtd, rng bool
			for _, e := range r.errors {
				dtd = dtd || strings.Contains(e, "--valid")
				rng = rng || strings.Contains(e, "--relaxng")
			}
			if dtd != tt.dtd || rng != tt.rng {
				t.Errorf("DTD complained %v (want %v), metadata.rng %v (want %v):\n%s", dtd, tt.dtd, rng, tt.rng, strings.Join(r.errors, "\n"))
			}
		})
	}
}

var decodeAgent = ocf.Agent{Name: "dummy", Params: []ocf.Param{
	{Name: "path", Required: true},
	{Name: "port", Type: ocf.Integer, Default: "5432"},
	{Name: "psql", Ignored: "not used"},
}}

type decodeConfig struct {
	path string
	port int
}

func TestDecodes(t *testing.T) {
	tests := []struct {
		name string
		load func(ocf.Params) (decodeConfig, error)
		set  []string
		want []string // what the check reports, one substring each
	}{
		{"every name declared and read", func(p ocf.Params) (decodeConfig, error) {
			return decodeConfig{path: p.String("path"), port: p.Int("port")}, nil
		}, []string{"path=/srv"}, nil},
		{"a misspelt name", func(p ocf.Params) (decodeConfig, error) {
			return decodeConfig{path: p.String("path"), port: p.Int("prot")}, nil
		}, []string{"path=/srv"}, []string{"not declared: prot", "never reads these declared parameters (declare them Ignored, or use them): port"}},
		{"refused values", func(p ocf.Params) (decodeConfig, error) {
			c := decodeConfig{path: p.String("path"), port: p.Int("port")}
			if c.path == "" {
				return c, errors.New("path is required")
			}
			return c, nil
		}, nil, []string{"refuses the values: path is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg decodeConfig
			r := run(t, func(tb testing.TB) { cfg = Decodes(tb, decodeAgent, tt.load, tt.set...) })
			if len(r.errors) != len(tt.want) {
				t.Fatalf("reported %q, want %d reports", r.errors, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(r.errors[i], w) {
					t.Errorf("report %q lacks %q", r.errors[i], w)
				}
			}
			if tt.want == nil && (cfg != decodeConfig{path: "/srv", port: 5432}) {
				t.Errorf("config %+v, want the set path and the default port", cfg)
			}
		})
	}
}
