package trial

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// recorder is a TB that keeps what Check reports instead of failing.
type recorder struct {
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// Fatalf ends the goroutine as testing's does, so that Check stops there.
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.fatal = true
	panic(r)
}

// fakeTrial declares a and b; reading anything else is undeclared.
type fakeTrial struct {
	Record
	values map[string]string
}

func (f *fakeTrial) get(name string) string {
	_, declared := map[string]bool{"a": true, "b": true}[name]
	f.Saw(name, declared)
	return f.values[name]
}

func (f *fakeTrial) Unread() []string {
	var out []string
	for _, n := range []string{"a", "b"} {
		if !f.Read(n) {
			out = append(out, n)
		}
	}
	return out
}

func newFake(values map[string]string) (*fakeTrial, Trial) {
	f := &fakeTrial{values: values}
	return f, f
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		set  []string
		load func(*fakeTrial) (string, error)
		want []string // one substring per report
	}{
		{"clean", []string{"a=1", "b=x=y"}, func(f *fakeTrial) (string, error) { return f.get("a") + f.get("b"), nil }, nil},
		{"undeclared and unread", nil, func(f *fakeTrial) (string, error) { return f.get("a") + f.get("c") + f.get("c"), nil },
			[]string{"agent's load reads things that are not declared: c", "never reads these declared things (declare them Ignored, or use them): b"}},
		{"refused", nil, func(f *fakeTrial) (string, error) { f.get("a"); f.get("b"); return "", errors.New("a is required") },
			[]string{"agent's load refuses the values: a is required"}},
		{"not name=value", []string{"a"}, func(f *fakeTrial) (string, error) { return "", nil },
			[]string{`"a" is not name=value`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			var got string
			func() {
				defer func() {
					if p := recover(); p != nil && p != r {
						panic(p)
					}
				}()
				got = Check(r, "agent", "things", tt.set, newFake, tt.load)
			}()
			if len(r.errors) != len(tt.want) {
				t.Fatalf("reported %q, want %d reports", r.errors, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(r.errors[i], w) {
					t.Errorf("report %q lacks %q", r.errors[i], w)
				}
			}
			if tt.name == "clean" && got != "1x=y" {
				t.Errorf("load returned %q, want the values set", got)
			}
		})
	}
}

func TestRecord(t *testing.T) {
	var r Record
	r.Saw("a", true)
	r.Saw("x", false)
	r.Saw("y", false)
	r.Saw("x", false)
	if !r.Read("a") || r.Read("b") || r.Read("x") {
		t.Errorf("read a %v, b %v, x %v; want only a", r.Read("a"), r.Read("b"), r.Read("x"))
	}
	if got, want := r.Undeclared(), []string{"x", "y"}; !slices.Equal(got, want) {
		t.Errorf("undeclared %q, want %q", got, want)
	}
}
