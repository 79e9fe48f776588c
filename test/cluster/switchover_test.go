//go:build root

package cluster

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// switchoverSteps are the qvd-ha switchover cases (issue 16), run after section 11
// on its cluster.
func switchoverSteps(s *Stack) []step {
	// switchover runs qvd-ha switchover on n and checks its exit status.
	switchover := func(t *testing.T, r *rig, n *Node, want int, args ...string) runner.Result {
		t.Helper()
		res, err := s.QVDHA(r.ctx, n, append([]string{"switchover"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != want {
			t.Fatalf("qvd-ha switchover %s on %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s",
				strings.Join(args, " "), n.Name, res.ExitCode, want, res.Stdout, res.Stderr)
		}
		return res
	}
	// leftOver fails the case if a move or ban constraint is in the CIB.
	leftOver := func(t *testing.T, r *rig, n *Node) {
		t.Helper()
		locs, err := pcmk.Tools{Run: runner.Func(n.runInside)}.LocationConstraints(r.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range locs {
			if strings.HasPrefix(l.ID, "cli-") {
				t.Errorf("constraint %s left in the CIB", l.ID)
			}
		}
	}
	// epoch is the CIB's configuration version, which any change of the
	// configuration (a constraint, a node attribute) increments.
	epoch := func(t *testing.T, r *rig, n *Node) string {
		t.Helper()
		out, err := pcmk.Tools{Run: runner.Func(n.runInside)}.QueryCIB(r.ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`<cib [^>]*\bepoch="(\d+)"`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("no epoch in the CIB: %.300s", out)
		}
		return string(m[1])
	}
	unavailable := regexp.MustCompile(`write unavailability (\S+), total (\S+)`)
	moved := func(t *testing.T, from, to *Node, res runner.Result) {
		t.Helper()
		if m := unavailable.FindSubmatch(res.Stdout); m != nil {
			t.Logf("switchover %s -> %s: write unavailability %s, total %s", from.Name, to.Name, m[1], m[2])
		} else {
			t.Logf("switchover %s -> %s:\n%s", from.Name, to.Name, res.Stdout)
		}
	}
	// refused checks a refusal: exit 2, the reason named, and nothing
	// changed (the database where it was, the configuration as it was).
	refused := func(t *testing.T, r *rig, a *Node, reason string) {
		t.Helper()
		before := epoch(t, r, a)
		res := switchover(t, r, a, 2)
		if !strings.Contains(string(res.Stderr), reason) {
			t.Errorf("refusal without %q:\n%s", reason, res.Stderr)
		}
		t.Logf("refused: %s", strings.TrimSpace(string(res.Stderr)))
		r.steady("after the refusal", 3*time.Second, a, dbOn(a))
		if after := epoch(t, r, a); after != before {
			t.Errorf("the CIB's epoch went from %s to %s: the refusal changed the configuration", before, after)
		}
		leftOver(t, r, a)
	}
	return []step{
		{"20 qvd-ha switchover to the peer, and back from the other node with --to: nothing lost, no constraint left", func(t *testing.T, r *rig) {
			a := r.active()
			p := s.Peer(a)
			w := r.writer()
			res := switchover(t, r, a, 0)
			moved(t, a, p, res)
			r.steady("moved", 3*time.Second, p, dbOn(p))
			leftOver(t, r, p)
			res = switchover(t, r, p, 0, "--to", a.Name)
			moved(t, p, a, res)
			r.steady("moved back", 3*time.Second, a, dbOn(a))
			leftOver(t, r, a)
			r.finish(w)
		}},
		{"21 qvd-ha switchover --dry-run shows the move and changes nothing", func(t *testing.T, r *rig) {
			a := r.active()
			p := s.Peer(a)
			before := epoch(t, r, a)
			res := switchover(t, r, a, 0, "--dry-run")
			out := string(res.Stdout)
			if want := fmt.Sprintf("Move p_postgres ( %s -> %s )", a.Name, p.Name); !strings.Contains(out, want) {
				t.Errorf("the plan lacks %q:\n%s", want, out)
			}
			t.Logf("dry run:\n%s", out)
			r.steady("after the dry run", 3*time.Second, a, dbOn(a))
			if after := epoch(t, r, a); after != before {
				t.Errorf("the CIB's epoch went from %s to %s in a dry run", before, after)
			}
			leftOver(t, r, a)
		}},
		{"22 qvd-ha switchover refused towards a node in standby", func(t *testing.T, r *rig) {
			a := r.active()
			p := s.Peer(a)
			// crm_attribute, the tool under crm node standby/online: crmsh
			// 4.4's standby exited 0 here and set nothing.
			standby := func(v string) {
				t.Helper()
				if out, err := a.Exec(r.ctx, "crm_attribute", "--type", "nodes", "--node", p.Name, "--name", "standby", "--update", v); err != nil {
					t.Fatalf("%v: %s", err, out)
				}
			}
			standby("on")
			t.Cleanup(func() {
				standby("off")
				r.wait(p.Name+" online again", time.Minute, a, func(st *State) string {
					for _, n := range st.Nodes {
						if n.Name == p.Name && (n.Standby || !n.Online) {
							return p.Name + " still in standby"
						}
					}
					return ""
				})
			})
			r.wait(p.Name+" in standby", time.Minute, a, func(st *State) string {
				for _, n := range st.Nodes {
					if n.Name == p.Name && n.Standby {
						return ""
					}
				}
				return p.Name + " not in standby yet"
			})
			refused(t, r, a, p.Name+" is in standby")
		}},
		{"23 qvd-ha switchover refused towards a node whose ping score is 0", func(t *testing.T, r *rig) {
			a := r.active()
			p := s.Peer(a)
			if err := s.BlockRouter(p, false); err != nil {
				t.Fatal(err)
			}
			restored := false
			restore := func() {
				if !restored {
					restored = true
					if err := s.BlockRouter(p, true); err != nil {
						t.Error(err)
					}
				}
			}
			t.Cleanup(restore)
			r.wait("pingd of "+p.Name+" at 0", 2*time.Minute, a, func(st *State) string {
				if v := st.Attribute(p.Name, "pingd"); v != "0" {
					return fmt.Sprintf("pingd of %s is %q", p.Name, v)
				}
				return ""
			})
			refused(t, r, a, "ping score is 0")
			restore()
			r.wait("pingd of "+p.Name+" back", 2*time.Minute, a, func(st *State) string {
				if v := st.Attribute(p.Name, "pingd"); v == "" || v == "0" {
					return fmt.Sprintf("pingd of %s is %q", p.Name, v)
				}
				return ""
			})
		}},
		{"24 qvd-ha switchover to an unknown node: exit 3; to where it runs: nothing to do", func(t *testing.T, r *rig) {
			a := r.active()
			before := epoch(t, r, a)
			res := switchover(t, r, a, 3, "--to", "nosuchnode")
			if !strings.Contains(string(res.Stderr), `unknown node "nosuchnode"`) {
				t.Errorf("stderr:\n%s", res.Stderr)
			}
			res = switchover(t, r, a, 0, "--to", a.Name)
			if !strings.Contains(string(res.Stdout), "already runs on "+a.Name) {
				t.Errorf("stdout:\n%s", res.Stdout)
			}
			if after := epoch(t, r, a); after != before {
				t.Errorf("the CIB's epoch went from %s to %s", before, after)
			}
			leftOver(t, r, a)
		}},
		{"25 qvd-ha switchover that times out: exit 1, the constraint removed anyway, nothing lost", func(t *testing.T, r *rig) {
			a := r.active()
			w := r.writer()
			// The move takes seconds (case 20): a second's wait ends
			// while the group is on its way.
			res := switchover(t, r, a, 1, "--timeout", "1s")
			if e := string(res.Stderr); !strings.Contains(e, "the database is now on") && !strings.Contains(e, "the database runs on no node at this moment") {
				t.Errorf("the failure does not say where the database is:\n%s", res.Stderr)
			}
			t.Logf("timed out: %s", strings.TrimSpace(string(res.Stderr)))
			leftOver(t, r, a)
			t.Logf("the database settled on %s", r.active().Name)
			r.finish(w)
		}},
	}
}
