package cib

import (
	"regexp"
	"slices"
	"strings"
)

var summaryLine = regexp.MustCompile(`^\s+\* (\S+)\s+(.*)$`)

// TransitionSummary returns the "Transition Summary" of crm_simulate's
// output, one change per line with whitespace collapsed:
// "Move p_fs_postgres ( qvddb1 -> qvddb2 )".
func TransitionSummary(out string) []string {
	_, summary, ok := strings.Cut(out, "Transition Summary:\n")
	if !ok {
		return nil
	}
	summary, _, _ = strings.Cut(summary, "\n\n")
	var lines []string
	for _, l := range strings.Split(summary, "\n") {
		if m := summaryLine.FindStringSubmatch(l); m != nil {
			lines = append(lines, m[1]+" "+strings.Join(strings.Fields(m[2]), " "))
		}
	}
	return lines
}

// DisruptsDatabase reports whether a summary line stops, restarts, moves or
// demotes one of the database's resources. Starts and promotions are not
// disruptions: a move always shows as well as a Stop, Move or Demote.
func DisruptsDatabase(change string) bool {
	f := strings.Fields(change)
	if len(f) < 2 {
		return false
	}
	rsc, _, _ := strings.Cut(f[1], ":") // clone instance p_drbd_postgres:0
	return slices.Contains([]string{IDFS, IDIP, IDPgSQL, IDDRBD}, rsc) &&
		slices.Contains([]string{"Stop", "Restart", "Recover", "Move", "Migrate", "Demote", "Reload"}, f[0])
}
