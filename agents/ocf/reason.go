package ocf

import (
	"strings"
	"unicode/utf8"
)

// maxReasonLen is how many bytes of an exit reason Pacemaker keeps
// (EXIT_REASON_MAX_LEN in lib/services/services_linux.c): it cuts the rest
// off wherever the limit falls, in a word or in a UTF-8 sequence.
const maxReasonLen = 128

const ellipsis = "…"

// shortReason is the exit reason as crm_mon should show it: reason itself
// when it fits Pacemaker's limit, else its longest prefix ending at a word
// boundary, followed by "…", within maxReasonLen bytes. Only a first word
// longer than the limit is cut inside, at a character boundary.
func shortReason(reason string) string {
	if len(reason) <= maxReasonLen {
		return reason
	}
	limit := maxReasonLen - len(ellipsis)
	head := reason[:limit+1]
	// A cut just before a space or after one is at a word boundary.
	cut := strings.LastIndexByte(head, ' ')
	if cut <= 0 {
		cut = limit
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
	}
	// Trailing separators would read as part of a sentence that goes on.
	return strings.TrimRight(reason[:cut], " ,;:") + ellipsis
}
