package rpm_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// changesFile is the OBS change log of the packages, next to the spec as
// in an OBS package checkout.
const changesFile = "../../rpm/qvd-ha.changes"

// changeEntry is one entry of a .changes file.
type changeEntry struct {
	when  time.Time
	who   string
	lines []string // "- " items and their indented continuations
}

const (
	changesSeparator = "-------------------------------------------------------------------" // 67, as osc vc writes it
	// `date` in the C locale with TZ=UTC, as osc vc writes it
	changesDate = "Mon Jan _2 15:04:05 MST 2006"
	// openSUSE's limit for a change log line: the separator's length
	changesWidth = 67
)

var changesHeading = regexp.MustCompile(`^(\S+ \S+ [ 0-9]\d \d\d:\d\d:\d\d UTC \d{4}) - (\S.* <[^<>@\s]+@[^<>\s]+>)$`)

// parseChanges reads a .changes file the way OBS's changelog2spec needs
// it, and more strictly: every heading a real UTC date whose weekday is
// right, newest first, every line an item or its continuation, within
// openSUSE's 67 columns.
func parseChanges(text string) ([]changeEntry, error) {
	blocks := strings.Split(text, changesSeparator+"\n")
	if blocks[0] != "" {
		return nil, fmt.Errorf("the file must begin with the separator line, not %q", firstLine(blocks[0]))
	}
	var entries []changeEntry
	for i, block := range blocks[1:] {
		lines := strings.Split(strings.TrimRight(block, "\n"), "\n")
		m := changesHeading.FindStringSubmatch(lines[0])
		if m == nil {
			return nil, fmt.Errorf("entry %d: heading %q is not \"%s - Name <mail>\"", i+1, lines[0], changesDate)
		}
		when, err := time.Parse(changesDate, m[1])
		if err != nil || when.Format(changesDate) != m[1] {
			return nil, fmt.Errorf("entry %d: %q is not a date as osc vc writes it (weekday, day padded with a space): %v", i+1, m[1], err)
		}
		if len(entries) > 0 && !when.Before(entries[len(entries)-1].when) {
			return nil, fmt.Errorf("entry %d (%s) is not older than the one above it", i+1, m[1])
		}
		if len(lines) < 3 || lines[1] != "" {
			return nil, fmt.Errorf("entry %d: a blank line and the items must follow the heading", i+1)
		}
		e := changeEntry{when: when, who: m[2]}
		for _, l := range lines[2:] {
			switch {
			case len(l) > changesWidth:
				return nil, fmt.Errorf("entry %d: line longer than %d characters: %q", i+1, changesWidth, l)
			case l == "" || strings.TrimRight(l, " \t") != l:
				return nil, fmt.Errorf("entry %d: blank line or trailing space: %q", i+1, l)
			case strings.HasPrefix(l, "- "), strings.HasPrefix(l, "  ") && len(e.lines) > 0:
				e.lines = append(e.lines, l)
			default:
				return nil, fmt.Errorf("entry %d: %q is neither a \"- \" item nor its continuation", i+1, l)
			}
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("no entry")
	}
	return entries, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// TestChanges checks rpm/qvd-ha.changes, and that the checks catch what
// OBS or a reviewer would reject.
func TestChanges(t *testing.T) {
	data, err := os.ReadFile(changesFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseChanges(string(data)); err != nil {
		t.Errorf("%s: %v", changesFile, err)
	}

	const sep = changesSeparator + "\n"
	const who = " - qvd-ha developers <dev@qvd-ha.invalid>\n\n"
	bad := []struct{ name, text string }{
		{"no separator first", "Sun Dec  6 12:00:00 UTC 2026" + who + "- x\n"},
		{"short separator", "------\nSun Dec  6 12:00:00 UTC 2026" + who + "- x\n"},
		{"wrong weekday", sep + "Mon Dec  6 12:00:00 UTC 2026" + who + "- x\n"},
		{"day not padded as date pads it", sep + "Sun Dec 06 12:00:00 UTC 2026" + who + "- x\n"},
		{"not UTC", sep + "Sun Dec  6 12:00:00 CET 2026" + who + "- x\n"},
		{"no mail address", sep + "Sun Dec  6 12:00:00 UTC 2026 - qvd-ha developers\n\n- x\n"},
		{"oldest first", sep + "Sat Nov 28 10:13:32 UTC 2026" + who + "- x\n\n" + sep + "Sun Dec  6 12:00:00 UTC 2026" + who + "- y\n"},
		{"no items", sep + "Sun Dec  6 12:00:00 UTC 2026" + who},
		{"item without a dash", sep + "Sun Dec  6 12:00:00 UTC 2026" + who + "x\n"},
		{"line too long", sep + "Sun Dec  6 12:00:00 UTC 2026" + who + "- " + strings.Repeat("x", 66) + "\n"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			if _, err := parseChanges(c.text); err == nil {
				t.Errorf("accepted:\n%s", c.text)
			}
		})
	}
}
