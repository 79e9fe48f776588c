package ocf

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkShort checks one reason through shortReason: within Pacemaker's
// limit, valid UTF-8, unchanged when it fits, else a prefix of it cut
// where a word ends, followed by "…".
func checkShort(t *testing.T, where, reason string) {
	t.Helper()
	got := shortReason(reason)
	if len(got) > maxReasonLen || !utf8.ValidString(got) {
		t.Errorf("%s: shortReason(%q) = %q: %d bytes, valid UTF-8 %v", where, reason, got, len(got), utf8.ValidString(got))
	}
	if len(reason) <= maxReasonLen {
		if got != reason {
			t.Errorf("%s: shortReason changed %q, which fits, to %q", where, reason, got)
		}
		return
	}
	head, ok := strings.CutSuffix(got, ellipsis)
	if !ok || !strings.HasPrefix(reason, head) {
		t.Errorf("%s: shortReason(%q) = %q, want a prefix and %q", where, reason, got, ellipsis)
		return
	}
	// The cut is at a word boundary: what follows is a separator. Only a
	// first word longer than the room is cut inside.
	firstWordTooLong := !strings.Contains(reason[1:maxReasonLen-len(ellipsis)+1], " ")
	if head == "" || !firstWordTooLong && !strings.ContainsAny(reason[len(head):len(head)+1], " ,;:") {
		t.Errorf("%s: shortReason(%q) = %q cuts inside a word", where, reason, got)
	}
}

func TestShortReason(t *testing.T) {
	words := strings.Repeat("word ", 40)
	tests := []struct {
		name, in, want string
	}{
		{"short", "pg_ctl not found", "pg_ctl not found"},
		{"empty", "", ""},
		{"exactly the limit", strings.Repeat("x", 128), strings.Repeat("x", 128)},
		{"one over", strings.Repeat("abc ", 32) + "d", strings.TrimSpace(strings.Repeat("abc ", 31)) + "…"},
		{"words", words, strings.TrimSpace(words[:125]) + "…"},
		{"space right after the room", strings.Repeat("y", 125) + " tail that goes on", strings.Repeat("y", 125) + "…"},
		{"separators before the cut", strings.Repeat("z", 118) + " last, " + strings.Repeat("more ", 5), strings.Repeat("z", 118) + " last…"},
		// "…" is 3 bytes: 125 bytes of text fit before it, not 127.
		{"ellipsis counts 3 bytes", strings.Repeat("ab ", 50), strings.TrimSpace(strings.Repeat("ab ", 42)) + "…"},
		{"one long word", strings.Repeat("p", 200), strings.Repeat("p", 125) + "…"},
		{"one long word of 2-byte characters", strings.Repeat("é", 100), strings.Repeat("é", 62) + "…"},
		{"3-byte characters", strings.Repeat("€€ ", 30), strings.TrimSpace(strings.Repeat("€€ ", 18)) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shortReason(tt.in); got != tt.want {
				t.Errorf("shortReason(%q)\n = %q (%d bytes)\nwant %q", tt.in, got, len(got), tt.want)
			}
			checkShort(t, tt.name, tt.in)
		})
	}
}

// TestExitReasonLogged: the exit reason is shortened to what Pacemaker
// keeps; the log has it in full, and stderr has each text once.
func TestExitReasonLogged(t *testing.T) {
	long := "the data directory /srv/pgsql/data is owned by uid 0, but PostgreSQL runs as postgres: chown -R postgres /srv/pgsql/data and start again"
	short := shortReason(long)
	if short == long {
		t.Fatalf("the test reason (%d bytes) fits; make it longer", len(long))
	}
	tests := []struct {
		name    string
		rc      RC
		reason  string
		logFile bool
		// stderr before the exit reason line
		stderr string
		log    string
	}{
		{"fits, stderr only", ErrPerm, "/srv is owned by root", false, "", ""},
		{"fits, HA_LOGFILE", ErrPerm, "/srv is owned by root", true, "", "ERROR: /srv is owned by root"},
		{"shortened, stderr only", ErrPerm, long, false, "dummy(res:1)[4242]: ERROR: " + long + "\n", ""},
		{"shortened, HA_LOGFILE", ErrPerm, long, true, "", "ERROR: " + long},
		{"degraded", Degraded, long, true, "", "WARNING: " + long},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "ha.log")
			env := validEnv()
			if tt.logFile {
				env = append(env, "HA_LOGFILE="+file)
			}
			a := withFunc(testAgent(), "start", func(context.Context, *Request) error { return Fail(tt.rc, "%s", tt.reason) })
			r := dispatch(t, a, env, nil, "start")
			if r.rc != tt.rc {
				t.Errorf("rc %s, want %s", r.rc, tt.rc)
			}
			if want := tt.stderr + "ocf-exit-reason:" + shortReason(tt.reason) + "\n"; r.stderr != want {
				t.Errorf("stderr\n%q\nwant\n%q", r.stderr, want)
			}
			if tt.logFile {
				if got := messages(strings.ReplaceAll(readFile(t, file), "dummy(res:1)[4242]: ", "a(i)[1]: "), true); len(got) != 1 || got[0] != tt.log {
					t.Errorf("HA_LOGFILE has %q, want %q", got, tt.log)
				}
			}
		})
	}
}

// verb matches a format verb; %% is a literal percent sign.
var verb = regexp.MustCompile(`%[-+# 0-9.*\[\]]*[a-zA-Z%]`)

// render fills a format's verbs with arg.
func render(format, arg string) string {
	return verb.ReplaceAllStringFunc(format, func(v string) string {
		if v == "%%" {
			return "%"
		}
		return arg
	})
}

// staticReason is a reason's text as written in an agent's source.
type staticReason struct {
	pos    string
	format string
}

// TestStaticReasons walks the agents' Go sources (and the runtime's own,
// and the runner's, whose errors become reasons) for the text of every
// reason: the format of ocf.Fail, Error.Reason, and fmt.Errorf or
// errors.New, any of which can reach Pacemaker as an exit reason. Each goes
// through shortReason with its verbs filled by a short value and by a long
// one without spaces (a path). Reasons longer than Pacemaker keeps are
// listed: they are safe, but crm_mon shows them shortened.
func TestStaticReasons(t *testing.T) {
	reasons := collectReasons(t, "..")
	t.Logf("%d reasons", len(reasons))
	if len(reasons) < 50 {
		t.Fatalf("found only %d reasons under agents/: is the walk broken?", len(reasons))
	}
	longArg := "/var/lib/pgsql/data/postgresql.auto.conf.d/very-long-name"
	for _, r := range reasons {
		for _, arg := range []string{"x", longArg} {
			checkShort(t, r.pos, render(r.format, arg))
		}
		if n := len(render(r.format, "x")); n > maxReasonLen {
			t.Logf("%s: %d bytes, crm_mon shows it shortened: %q", r.pos, n, r.format)
		}
	}
}

// collectReasons parses every non-test Go file under root.
func collectReasons(t *testing.T, root string) []staticReason {
	t.Helper()
	fset := token.NewFileSet()
	var reasons []staticReason
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		consts := constStrings(f)
		str := func(e ast.Expr) (string, bool) { return stringValue(e, consts) }
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if i := reasonArg(path, n); i >= 0 && i < len(n.Args) {
					if s, ok := str(n.Args[i]); ok {
						reasons = append(reasons, staticReason{fset.Position(n.Pos()).String(), s})
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Reason" {
					if s, ok := str(n.Value); ok {
						reasons = append(reasons, staticReason{fset.Position(n.Pos()).String(), s})
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", root, err)
	}
	return reasons
}

// reasonArg is the index of the call's reason text, or -1.
func reasonArg(path string, call *ast.CallExpr) int {
	pkg := filepath.Base(filepath.Dir(path))
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		x, ok := fn.X.(*ast.Ident)
		if !ok {
			return -1
		}
		switch x.Name + "." + fn.Sel.Name {
		case "ocf.Fail":
			return 1
		case "fmt.Errorf", "errors.New":
			return 0
		case "fmt.Sprintf":
			// The runtime's and the runner's own reasons are built so.
			if path == filepath.Join("..", "ocf", "run.go") || pkg == "runner" {
				return 0
			}
		}
	case *ast.Ident:
		if pkg == "ocf" && fn.Name == "Fail" {
			return 1
		}
	}
	return -1
}

// constStrings maps the file's string constants to their values.
func constStrings(f *ast.File) map[string]ast.Expr {
	consts := map[string]ast.Expr{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i < len(vs.Values) {
					consts[name.Name] = vs.Values[i]
				}
			}
		}
	}
	return consts
}

// stringValue evaluates a string literal, a constant of the same file, or
// a concatenation of them.
func stringValue(e ast.Expr, consts map[string]ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.Ident:
		if v, ok := consts[e.Name]; ok {
			delete(consts, e.Name) // no cycles
			defer func() { consts[e.Name] = v }()
			return stringValue(v, consts)
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			l, ok1 := stringValue(e.X, consts)
			r, ok2 := stringValue(e.Y, consts)
			return l + r, ok1 && ok2
		}
	case *ast.ParenExpr:
		return stringValue(e.X, consts)
	}
	return "", false
}
