// Package apply loads the generated CIB configuration into the running
// cluster (qvd-ha-bootstrap apply): the live CIB with our part merged in is
// previewed with crm_simulate first, and a change that would stop or move
// the database needs the administrator's yes.
package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/internal/xmltree"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Run loads the configuration into the running cluster: first a preview
// (crm_simulate on a copy of the live CIB holding the new configuration,
// the "shadow"), then cibadmin. It refuses without yes when the database
// would stop or move, and does nothing when the cluster already has the
// configuration. With CIB_file set in the environment the Pacemaker tools
// work on that file instead of the live cluster.
func Run(ctx context.Context, r runner.Runner, out io.Writer, c *cib.CIB, yes bool, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tools := pcmk.Tools{Run: r}
	live, err := tools.QueryCIB(ctx, "")
	if err != nil {
		return err
	}
	candidate, err := cib.Merge(live, c)
	if err != nil {
		return err
	}
	liveConf, err := configuration(live)
	if err != nil {
		return err
	}
	newConf, err := configuration(candidate)
	if err != nil {
		return err
	}
	if liveConf.Canonical() == newConf.Canonical() {
		fmt.Fprintln(out, "The cluster already has this configuration; nothing to do.")
		return nil
	}

	dir, err := os.MkdirTemp("", "qvd-ha-apply")
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	defer os.RemoveAll(dir)
	shadow := filepath.Join(dir, "shadow.xml")
	if err := os.WriteFile(shadow, candidate, 0o600); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	changes, err := tools.Simulate(ctx, shadow)
	if err != nil {
		return fmt.Errorf("preview with %w", err)
	}
	fmt.Fprintln(out, "What the cluster would do:")
	if len(changes) == 0 {
		fmt.Fprintln(out, "  nothing starts, stops or moves")
	}
	var harmful []string
	for _, ch := range changes {
		fmt.Fprintln(out, "  "+ch)
		if cib.DisruptsDatabase(ch) {
			harmful = append(harmful, ch)
		}
	}
	if len(harmful) > 0 && !yes {
		return fmt.Errorf("not applied: the database would stop or move (%s); run again with --yes to accept",
			strings.Join(harmful, "; "))
	}

	confFile := filepath.Join(dir, "configuration.xml")
	start := strings.Index(string(candidate), "<configuration>")
	end := strings.Index(string(candidate), "</configuration>")
	if start < 0 || end < 0 {
		return errors.New("apply: the merged CIB has no configuration")
	}
	if err := os.WriteFile(confFile, candidate[start:end+len("</configuration>")], 0o600); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	if err := tools.ReplaceConfiguration(ctx, confFile); err != nil {
		return err
	}
	fmt.Fprintln(out, "Configuration loaded.")
	return nil
}

func configuration(doc []byte) (*xmltree.Elem, error) {
	root, err := xmltree.Parse(doc)
	if err != nil {
		return nil, err
	}
	confs := root.Find("configuration")
	if len(confs) != 1 {
		return nil, errors.New("the CIB has no configuration section")
	}
	return confs[0], nil
}
