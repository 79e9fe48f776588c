package cib

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/internal/xmltree"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// qvdAgents are the project's agents the CIB uses: where their source is
// and how they print meta-data.
var qvdAgents = map[string]struct{ dir, action string }{
	"ocf:qvd:pgsql":             {"agents/pgsql", "meta-data"},
	"ocf:qvd:drbd":              {"agents/drbd", "meta-data"},
	"ocf:qvd:IPaddr":            {"agents/ipaddr", "meta-data"},
	"stonith:fence_qvd_libvirt": {"fence/libvirt", "-o metadata"},
	"stonith:fence_qvd_xenapi":  {"fence/xenapi", "-o metadata"},
}

// metadata returns the parameter names an agent declares: the project's
// agents built from this tree, the others as installed (crm_resource).
func metadata(t *testing.T, agent string) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out []byte
	if src, ours := qvdAgents[agent]; ours {
		dir := filepath.Join("..", "..", src.dir)
		bin := filepath.Join(t.TempDir(), "agent")
		if res, err := (runner.Exec{}).Run(ctx, runner.Cmd{Path: "go", Args: []string{"build", "-o", bin, "./" + dir}}); err != nil {
			t.Fatalf("build %s: %v\n%s", src.dir, err, res.Stderr)
		}
		res, err := runner.Exec{}.Run(ctx, runner.Cmd{Path: bin, Args: strings.Fields(src.action)})
		if err != nil {
			t.Fatalf("%s %s: %v", agent, src.action, err)
		}
		out = res.Stdout
	} else {
		out = pcmk(t, nil, "crm_resource", "--show-metadata", agent).Stdout
	}
	root, err := xmltree.Parse(out)
	if err != nil {
		t.Fatalf("%s meta-data: %v", agent, err)
	}
	names := map[string]bool{}
	for _, p := range root.Find("parameters/parameter") {
		names[p.Attr("name")] = true
	}
	return names
}

// TestParametersDeclared: every parameter the CIB sets is declared in its
// agent's meta-data (Pacemaker's own pcmk_* fencing parameters aside).
func TestParametersDeclared(t *testing.T) {
	declared := map[string]map[string]bool{}
	for _, v := range variants {
		_, root := v.tree(t)
		for _, p := range root.Find("//primitive") {
			agent := p.Attr("class") + ":" + p.Attr("type")
			if p.Attr("provider") != "" {
				agent = p.Attr("class") + ":" + p.Attr("provider") + ":" + p.Attr("type")
			}
			names, seen := declared[agent]
			if !seen {
				names = metadata(t, agent)
				declared[agent] = names
			}
			for _, nv := range p.Find("instance_attributes/nvpair") {
				name := nv.Attr("name")
				if p.Attr("class") == "stonith" && strings.HasPrefix(name, "pcmk_") {
					continue
				}
				if !names[name] {
					t.Errorf("%s (%s) sets %s, which %s does not declare", p.Attr("id"), v.name, name, agent)
				}
			}
		}
	}
}
