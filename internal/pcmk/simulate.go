package pcmk

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Simulate runs the scheduler on the CIB in file as crm_simulate
// --simulate does (extra adds injections, -O, -G, ...) and returns its
// Transition Summary: what the cluster would start, stop, move or promote.
func (p Tools) Simulate(ctx context.Context, file string, extra ...string) ([]string, error) {
	res, err := p.run(ctx, CrmSimulate, append([]string{"--xml-file", file, "--simulate"}, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("crm_simulate: %w", err)
	}
	changes, ok := transitionSummary(string(res.Stdout))
	if !ok {
		return nil, errors.New("crm_simulate printed no transition summary")
	}
	return changes, nil
}

var summaryLine = regexp.MustCompile(`^\s+\* (\S+)\s+(.*)$`)

// transitionSummary returns the "Transition Summary" of crm_simulate's
// output, one change per line with whitespace collapsed, and whether the
// output has one (it has, empty, when nothing changes):
// "Move p_fs_postgres ( qvddb1 -> qvddb2 )". The text, not the XML's
// <actions>: these lines are what apply shows the administrator, in the
// words crm_simulate and crm_mon use.
func transitionSummary(out string) ([]string, bool) {
	_, summary, ok := strings.Cut(out, "Transition Summary:\n")
	if !ok {
		return nil, false
	}
	summary, _, _ = strings.Cut(summary, "\n\n")
	var lines []string
	for _, l := range strings.Split(summary, "\n") {
		if m := summaryLine.FindStringSubmatch(l); m != nil {
			lines = append(lines, m[1]+" "+strings.Join(strings.Fields(m[2]), " "))
		}
	}
	return lines, true
}
