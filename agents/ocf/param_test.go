package ocf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseParamsDefaultsAndValues(t *testing.T) {
	a := testAgent()
	tests := []struct {
		name    string
		env     []string
		str     map[string]string
		ints    map[string]int
		bools   map[string]bool
		set     []string
		notSet  []string
		checked string // what mode's Check saw, "" for not called
	}{
		{
			name:   "defaults",
			env:    []string{"OCF_RESKEY_path=/srv/data"},
			str:    map[string]string{"path": "/srv/data", "port": "5432", "enabled": "true", "password": "", "old_opt": "", "mode": "fast"},
			ints:   map[string]int{"port": 5432},
			bools:  map[string]bool{"enabled": true},
			set:    []string{"path"},
			notSet: []string{"port", "enabled", "password", "old_opt", "mode"},
		},
		{
			name: "explicit values",
			env: []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_port=6543", "OCF_RESKEY_enabled=no",
				"OCF_RESKEY_password=s3cret", "OCF_RESKEY_old_opt=legacy", "OCF_RESKEY_mode=smart"},
			str:   map[string]string{"path": "/x", "port": "6543", "password": "s3cret", "old_opt": "legacy", "mode": "smart"},
			ints:  map[string]int{"port": 6543},
			bools: map[string]bool{"enabled": false},
			set:   []string{"path", "port", "enabled", "password", "old_opt", "mode"},
		},
		{
			name:   "empty value means the default",
			env:    []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_port=", "OCF_RESKEY_enabled="},
			ints:   map[string]int{"port": 5432},
			bools:  map[string]bool{"enabled": true},
			notSet: []string{"port", "enabled"},
		},
		{
			name: "negative and signed integers",
			env:  []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_port=-1"},
			ints: map[string]int{"port": -1},
		},
		{
			name: "other parameters' variables are ignored",
			env:  []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_unknown=1", "OCF_RESKEY_CRM_meta_timeout=20000", "port=1"},
			ints: map[string]int{"port": 5432},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseParams(a.Params, envFunc(tt.env...))
			if err != nil {
				t.Fatalf("ParseParams: %v", err)
			}
			for k, want := range tt.str {
				if got := p.String(k); got != want {
					t.Errorf("String(%q) = %q, want %q", k, got, want)
				}
			}
			for k, want := range tt.ints {
				if got := p.Int(k); got != want {
					t.Errorf("Int(%q) = %d, want %d", k, got, want)
				}
			}
			for k, want := range tt.bools {
				if got := p.Bool(k); got != want {
					t.Errorf("Bool(%q) = %v, want %v", k, got, want)
				}
			}
			for _, k := range tt.set {
				if !p.IsSet(k) {
					t.Errorf("IsSet(%q) = false, want true", k)
				}
			}
			for _, k := range tt.notSet {
				if p.IsSet(k) {
					t.Errorf("IsSet(%q) = true, want false", k)
				}
			}
		})
	}
}

func TestParseParamsBooleans(t *testing.T) {
	decls := []Param{{Name: "b", Type: Boolean}}
	tests := []struct {
		in   string
		want bool
	}{
		{"1", true}, {"true", true}, {"TRUE", true}, {"True", true}, {"yes", true}, {"YES", true},
		{"on", true}, {"ON", true}, {"ja", true}, {"y", true},
		{"0", false}, {"false", false}, {"FALSE", false}, {"no", false}, {"No", false},
		{"off", false}, {"nein", false}, {"n", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParseParams(decls, envFunc("OCF_RESKEY_b="+tt.in))
			if err != nil {
				t.Fatalf("ParseParams(b=%q): %v", tt.in, err)
			}
			if got := p.Bool("b"); got != tt.want {
				t.Errorf("Bool(b=%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseParamsRejects(t *testing.T) {
	a := testAgent()
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"missing required", nil, "parameter path is required"},
		{"required set empty", []string{"OCF_RESKEY_path="}, "parameter path is required"},
		{"integer with letters", []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_port=abc"}, `parameter port="abc" is not an integer`},
		{"integer with a fraction", []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_port=5.5"}, `parameter port="5.5" is not an integer`},
		{"integer with blanks", []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_port= 1"}, `parameter port=" 1" is not an integer`},
		{"integer overflow", []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_port=99999999999999999999999"}, `parameter port="99999999999999999999999" is not an integer`},
		{"integer in hex", []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_port=0x10"}, `parameter port="0x10" is not an integer`},
		{"not a boolean", []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_enabled=maybe"}, `parameter enabled="maybe" is not a boolean (use true or false)`},
		{"boolean as 2", []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_enabled=2"}, `parameter enabled="2" is not a boolean (use true or false)`},
		{"check fails", []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_mode=slow"}, `parameter mode="slow": must be fast or smart`},
		{"value with a newline is quoted", []string{"OCF_RESKEY_path=/x", "OCF_RESKEY_mode=a\nb"}, `parameter mode="a\nb": must be fast or smart`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseParams(a.Params, envFunc(tt.env...))
			if err == nil {
				t.Fatal("ParseParams succeeded, want an error")
			}
			var e *Error
			if !errors.As(err, &e) || e.RC != ErrConfigured {
				t.Fatalf("error %v (%T), want an *Error with ErrConfigured", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("reason %q, want %q", err.Error(), tt.want)
			}
		})
	}
}

func TestParseParamsReportsEveryProblem(t *testing.T) {
	a := testAgent()
	env := envFunc("OCF_RESKEY_port=x", "OCF_RESKEY_enabled=2", "OCF_RESKEY_mode=slow")
	_, err := ParseParams(a.Params, env)
	if err == nil {
		t.Fatal("ParseParams succeeded, want an error")
	}
	want := `parameter path is required; parameter port="x" is not an integer; ` +
		`parameter enabled="2" is not a boolean (use true or false); parameter mode="slow": must be fast or smart`
	if err.Error() != want {
		t.Errorf("reason\n%s\nwant\n%s", err, want)
	}
}

func TestParseParamsCheck(t *testing.T) {
	var seen []string
	decls := []Param{
		{Name: "opt", Check: func(v string) error { seen = append(seen, "opt="+v); return nil }},
		{Name: "def", Default: "d", Check: func(v string) error { seen = append(seen, "def="+v); return nil }},
		{Name: "given", Check: func(v string) error { seen = append(seen, "given="+v); return nil }},
	}
	if _, err := ParseParams(decls, envFunc("OCF_RESKEY_given=g")); err != nil {
		t.Fatal(err)
	}
	// An empty optional value is not checked; a default is.
	want := []string{"def=d", "given=g"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("Check calls %q, want %q", seen, want)
	}
}

func TestParseParamsRequiredWithDefault(t *testing.T) {
	decls := []Param{{Name: "user", Required: true, Default: "postgres"}}
	p, err := ParseParams(decls, envFunc())
	if err != nil {
		t.Fatalf("a required parameter with a default is never missing: %v", err)
	}
	if got := p.String("user"); got != "postgres" {
		t.Errorf("user = %q, want postgres", got)
	}
}

func TestParseParamsNeverShowsSecrets(t *testing.T) {
	const secret = "hunter2-TOP"
	tests := []struct {
		name string
		decl Param
		want string
	}{
		{"integer", Param{Name: "pw", Type: Integer, Secret: true}, "parameter pw=(value hidden) is not an integer"},
		{"boolean", Param{Name: "pw", Type: Boolean, Secret: true}, "parameter pw=(value hidden) is not a boolean"},
		{"check", Param{Name: "pw", Secret: true, Check: func(string) error { return errors.New("too weak") }},
			"parameter pw=(value hidden): too weak"},
		{"check that quotes the value", Param{Name: "pw", Secret: true,
			Check: func(v string) error { return fmt.Errorf("%q contains a dash", v) }},
			"parameter pw=(value hidden): "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseParams([]Param{tt.decl}, envFunc("OCF_RESKEY_pw="+secret))
			if err == nil {
				t.Fatal("ParseParams succeeded, want an error")
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("reason %q shows the secret", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("reason %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestParamsUndeclaredPanics(t *testing.T) {
	p, err := ParseParams([]Param{{Name: "a"}}, envFunc())
	if err != nil {
		t.Fatal(err)
	}
	for name, get := range map[string]func(){
		"String": func() { p.String("b") },
		"Int":    func() { p.Int("b") },
		"Bool":   func() { p.Bool("b") },
		"IsSet":  func() { p.IsSet("b") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), "parameter b is not declared") {
					t.Errorf("recovered %v, want a panic naming parameter b", r)
				}
			}()
			get()
		})
	}
}

func TestTypeString(t *testing.T) {
	for typ, want := range map[Type]string{String: "string", Integer: "integer", Boolean: "boolean"} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(typ), got, want)
		}
	}
}
