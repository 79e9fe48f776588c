package roff

import "testing"

func TestEscape(t *testing.T) {
	tests := []struct{ in, want, arg string }{
		{"plain", "plain", "plain"},
		{".dot", `\&.dot`, `\&.dot`},
		{"'quote", `\&'quote`, `\&'quote`},
		{"a\n.b\n'c\nd.e", "a\n\\&.b\n\\&'c\nd.e", "a\n\\&.b\n\\&'c\nd.e"},
		{`back\slash`, `back\eslash`, `back\eslash`},
		{`\fB`, `\efB`, `\efB`},
		{"a-b", `a\-b`, `a\-b`},
		{"--plug=[id]", `\-\-plug=[id]`, `\-\-plug=[id]`},
		{`say "hi"`, `say "hi"`, `say \(dqhi\(dq`},
		{" .indented", " .indented", " .indented"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Arg(tt.in); got != tt.arg {
			t.Errorf("Arg(%q) = %q, want %q", tt.in, got, tt.arg)
		}
	}
}
