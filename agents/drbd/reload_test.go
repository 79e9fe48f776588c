package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// metadataFacts is what Pacemaker's controller reads from meta-data to
// decide on reloads.
type metadataFacts struct {
	OCFVersion string `xml:"version"`
	Actions    []struct {
		Name string `xml:"name,attr"`
	} `xml:"actions>action"`
	Params []struct {
		Name       string `xml:"name,attr"`
		Unique     string `xml:"unique,attr"`
		Reloadable string `xml:"reloadable,attr"`
	} `xml:"parameters>parameter"`
}

func (md metadataFacts) has(action string) bool {
	return slices.ContainsFunc(md.Actions, func(a struct {
		Name string `xml:"name,attr"`
	}) bool {
		return a.Name == action
	})
}

func metadata(t *testing.T) metadataFacts {
	t.Helper()
	var out bytes.Buffer
	d := ocf.Dispatcher{Stdout: &out, Stderr: &bytes.Buffer{}}
	if rc := d.Run(&agent, []string{"drbd", "meta-data"}); rc != ocf.Success {
		t.Fatalf("meta-data: rc %v", rc)
	}
	var md metadataFacts
	if err := xml.Unmarshal(out.Bytes(), &md); err != nil {
		t.Fatalf("meta-data: %v", err)
	}
	return md
}

// restartList is the "op-force-restart" list Pacemaker 2.1.5's controller
// records with every non-recurring operation (controld_metadata.c,
// controld_execd.c append_restart_list): for an agent advertising OCF >= 1.1
// with reload-agent, the parameters not marked reloadable; for one
// advertising less with reload, those marked unique. ok is false when the
// agent cannot be reloaded: the controller then records no restart digest
// and the scheduler restarts on any change.
func restartList(md metadataFacts) (list []string, ok bool) {
	// Pacemaker compares versions numerically; ours are 1.0 or 1.1.
	ocf11 := md.OCFVersion >= "1.1"
	switch {
	case ocf11 && md.has("reload-agent"):
		for _, p := range md.Params {
			if p.Reloadable != "1" && p.Reloadable != "true" {
				list = append(list, p.Name)
			}
		}
	case !ocf11 && md.has("reload"):
		for _, p := range md.Params {
			if p.Unique == "1" || p.Unique == "true" {
				list = append(list, p.Name)
			}
		}
	default:
		return nil, false
	}
	return list, true
}

// TestReloadableMetadata: what Pacemaker reloads is what the declarations
// call Reloadable.
func TestReloadableMetadata(t *testing.T) {
	md := metadata(t)
	list, ok := restartList(md)
	if !ok {
		t.Fatalf("Pacemaker 2.1 would never reload: OCF %s, actions %v", md.OCFVersion, md.Actions)
	}
	for _, p := range params {
		if restart := slices.Contains(list, p.Name); restart == p.Reloadable {
			t.Errorf("parameter %s: declared reloadable %v, but Pacemaker would restart on its change: %v", p.Name, p.Reloadable, restart)
		}
	}
	if slices.Contains(list, "adjust_master_score") || !slices.Contains(list, "drbd_resource") {
		t.Errorf("restart list %v: adjust_master_score must reload, drbd_resource restart", list)
	}
}

// TestReloadSimulated proves with Pacemaker's scheduler that a change of a
// reloadable parameter reloads the clone and any other change restarts it.
// crm_simulate records operations as the controller does but without the
// restart digest (it is written by the controller from the agent's
// meta-data), so the test adds it as Pacemaker 2.1.5's controller would
// from this meta-data. The scheduler asks for reload-agent; the controller
// runs it as "reload" for an agent advertising OCF 1.0 with a reload action
// (controld_execd.c), which restartList checked.
func TestReloadSimulated(t *testing.T) {
	list, ok := restartList(metadata(t))
	if !ok {
		t.Fatal("the meta-data allows no reload")
	}
	settled := settledCluster(t, list)
	for _, p := range params {
		t.Run(p.Name, func(t *testing.T) {
			cib := strings.Replace(settled, `<instance_attributes id="p_drbd-ia">`,
				fmt.Sprintf(`<instance_attributes id="p_drbd-ia"><nvpair id="p_drbd-changed" name="%s" value="7"/>`, p.Name), 1)
			if p.Name == "drbd_resource" {
				cib = strings.Replace(settled, `value="r0"`, `value="r1"`, 1)
			}
			want := "Restart"
			if p.Reloadable {
				want = "Reload"
			}
			summary := simulate(t, cib)
			for _, inst := range []string{"p_drbd:0", "p_drbd:1"} {
				if !regexp.MustCompile(`\* ` + want + ` +` + inst + ` `).MatchString(summary) {
					t.Errorf("changing %s: want %s of %s\n%s", p.Name, want, inst, summary)
				}
			}
		})
	}
}

const simConfig = `<configuration>
    <crm_config><cluster_property_set id="opts"><nvpair id="opts-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
    <resources>
      <clone id="ms_drbd">
        <meta_attributes id="ms_drbd-meta">
          <nvpair id="ms_drbd-promotable" name="promotable" value="true"/>
          <nvpair id="ms_drbd-notify" name="notify" value="true"/>
          <nvpair id="ms_drbd-promoted-max" name="promoted-max" value="1"/>
        </meta_attributes>
        <primitive id="p_drbd" class="ocf" provider="qvd" type="drbd">
          <instance_attributes id="p_drbd-ia"><nvpair id="p_drbd-res" name="drbd_resource" value="r0"/></instance_attributes>
          <operations>
            <op id="p_drbd-mon-p" name="monitor" interval="10s" role="Promoted"/>
            <op id="p_drbd-mon-u" name="monitor" interval="20s" role="Unpromoted"/>
          </operations>
        </primitive>
      </clone>
    </resources>
    <constraints>
      <rsc_location id="l_promote" rsc="ms_drbd" role="Promoted" node="n1" score="100"/>
    </constraints>
  </configuration>`

// settledCluster returns a CIB in which ms_drbd runs, promoted on n1, with
// the restart list and digest on every non-recurring operation.
func settledCluster(t *testing.T, restart []string) string {
	t.Helper()
	empty, err := exec.Command("cibadmin", "--empty").Output()
	if err != nil {
		t.Fatalf("cibadmin --empty: %v", err)
	}
	cib := regexp.MustCompile(`(?s)<configuration>.*</configuration>`).ReplaceAllLiteralString(string(empty), simConfig)
	cib = strings.Replace(cib, "<cib ", `<cib have-quorum="1" `, 1)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.xml"), filepath.Join(dir, "out.xml")
	if err := os.WriteFile(in, []byte(cib), 0o600); err != nil {
		t.Fatal(err)
	}
	runSim(t, "-x", in, "--node-up", "n1", "--node-up", "n2", "-S", "-O", out)
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// The controller's restart digest: the operation digest (sorted
	// attributes, one space of indentation, a newline) of the parameters
	// in the list. The scheduler recomputes and compares it: a wrong one
	// would show as a restart in every case.
	var b strings.Builder
	b.WriteString(" <parameters")
	for _, name := range slices.Sorted(slices.Values(restart)) {
		if name == "drbd_resource" {
			b.WriteString(` drbd_resource="r0"`)
		}
	}
	b.WriteString("/>\n")
	sum := md5.Sum([]byte(b.String()))
	attrs := fmt.Sprintf(` op-force-restart=" %s " op-restart-digest="%s"`, strings.Join(restart, " "), hex.EncodeToString(sum[:]))
	ops := regexp.MustCompile(`<lrm_rsc_op [^>]*interval="0"[^>]*op-digest="[0-9a-f]+"`)
	settled := ops.ReplaceAllStringFunc(string(raw), func(op string) string { return op + attrs })
	if !strings.Contains(settled, "op-restart-digest") || !strings.Contains(simulate(t, settled), "Promoted: [ n1 ]") {
		t.Fatalf("the simulated cluster did not settle with ms_drbd promoted on n1:\n%s", settled)
	}
	return settled
}

// simulate runs the scheduler on cib and returns crm_simulate's output.
func simulate(t *testing.T, cib string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(path, []byte(cib), 0o600); err != nil {
		t.Fatal(err)
	}
	return runSim(t, "-x", path, "-S")
}

func runSim(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "crm_simulate", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("crm_simulate %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestReload: reload applies DRBD's configuration and the new scores to a
// running resource, and refuses what validation refuses.
func TestReload(t *testing.T) {
	conf := func(f *fakeDRBD) string { return "drbdadm -c " + filepath.Join(f.dir, "drbd.conf") + " adjust r0" }
	t.Run("new scores", func(t *testing.T) {
		f := newFake(t)
		expectRC(t, f.call("start"), ocf.Success, "")
		expectRC(t, f.call("reload", "adjust_master_score=0 10 1000 20000"), ocf.Success, "")
		if f.ran(conf(f)) != 1 || f.score != "20000" {
			t.Fatalf("reload: adjust ran %d times, score %q; want once, 20000: %v", f.ran(conf(f)), f.score, f.calls)
		}
		expectRC(t, f.call("monitor", "CRM_meta_interval=20000", "adjust_master_score=0 10 1000 20000"), ocf.Success, "")
		if f.up != true || f.ran("drbdadm -c "+filepath.Join(f.dir, "drbd.conf")+" down") != 0 {
			t.Fatalf("reload restarted the resource: %v", f.calls)
		}
	})
	t.Run("not running", func(t *testing.T) {
		f := newFake(t)
		expectRC(t, f.call("reload"), ocf.NotRunning, "not up")
	})
	t.Run("refused parameter", func(t *testing.T) {
		f := newFake(t)
		expectRC(t, f.call("start"), ocf.Success, "")
		expectRC(t, f.call("reload", "connect_only_after_promote=true"), ocf.ErrConfigured, "connect_only_after_promote")
		if f.ran(conf(f)) != 0 {
			t.Fatalf("a refused reload ran drbdadm adjust: %v", f.calls)
		}
	})
}
