package boolean

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		words Words
		value string
		want  bool
		ok    bool
	}{
		// ocf_is_true's words, in its cases and any other.
		{OCF, "yes", true, true}, {OCF, "YES", true, true}, {OCF, "True", true, true},
		{OCF, "1", true, true}, {OCF, "ja", true, true}, {OCF, "ON", true, true},
		{OCF, "y", true, true}, {OCF, "Yes", true, true},
		{OCF, "no", false, true}, {OCF, "false", false, true}, {OCF, "0", false, true},
		{OCF, "off", false, true}, {OCF, "nein", false, true}, {OCF, "N", false, true},
		{OCF, "", false, false}, {OCF, "maybe", false, false}, {OCF, "2", false, false},
		{OCF, " yes", false, false},
		// fencing.py's words, case-insensitive, plus y and n, blanks trimmed.
		{FenceAgents, "1", true, true}, {FenceAgents, "yes", true, true}, {FenceAgents, "on", true, true},
		{FenceAgents, "TRUE", true, true}, {FenceAgents, "y", true, true}, {FenceAgents, " on ", true, true},
		{FenceAgents, "0", false, true}, {FenceAgents, "no", false, true}, {FenceAgents, "off", false, true},
		{FenceAgents, "false", false, true}, {FenceAgents, "n", false, true},
		{FenceAgents, "ja", false, false}, {FenceAgents, "nein", false, false}, {FenceAgents, "maybe", false, false},
		{FenceAgents, "", false, false},
		// ocf_is_true exactly: its cases only, no false words.
		{OCFShell, "yes", true, true}, {OCFShell, "YES", true, true}, {OCFShell, "True", true, true},
		{OCFShell, "ja", true, true}, {OCFShell, "ON", true, true}, {OCFShell, "1", true, true},
		{OCFShell, "Yes", false, false}, {OCFShell, "y", false, false}, {OCFShell, "no", false, false},
	}
	for _, tt := range tests {
		got, err := tt.words.Parse(tt.value)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%s.Parse(%q) = %v, %v; want %v, ok %v", tt.words.Hint, tt.value, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseError(t *testing.T) {
	tests := []struct {
		words Words
		value string
		want  string
	}{
		{OCF, "maybe", `"maybe" is not a boolean (use true or false)`},
		{FenceAgents, " perhaps", `" perhaps" is not a boolean (1/yes/on/true or 0/no/off/false)`},
	}
	for _, tt := range tests {
		if _, err := tt.words.Parse(tt.value); err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q): %v, want %s", tt.value, err, tt.want)
		}
	}
}

func TestIsTrue(t *testing.T) {
	tests := []struct {
		words Words
		value string
		want  bool
	}{
		{OCFShell, "yes", true}, {OCFShell, "On", false}, {OCFShell, "no", false}, {OCFShell, "", false},
		{OCF, "On", true}, {OCF, "maybe", false}, {OCF, "off", false},
	}
	for _, tt := range tests {
		if got := tt.words.IsTrue(tt.value); got != tt.want {
			t.Errorf("%s.IsTrue(%q) = %v, want %v", tt.words.Hint, tt.value, got, tt.want)
		}
	}
}
