package cib

import (
	"slices"
	"strings"
)

// DisruptsDatabase reports whether a line of crm_simulate's transition
// summary (as pcmk.Tools.Simulate returns it) stops, restarts, moves or
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
