package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseVersion(t *testing.T) {
	cases := []struct {
		in   string
		want moduleVer
		ok   bool
	}{
		{"8.0.0", moduleVer{8, 0, 0}, true},
		{"9.0.16", moduleVer{9, 0, 16}, true},
		{"10.0.0", moduleVer{10, 0, 0}, true},
		{"9.0", moduleVer{}, false},
		{"9.0.16-1", moduleVer{}, false},
		{"v9.0.0", moduleVer{}, false},
	}
	for _, c := range cases {
		got, err := parseVersion(c.in)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("parseVersion(%q) = %v, %v; want %v, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
	if !(moduleVer{8, 4, 11}).less(moduleVer{9, 0, 0}) || (moduleVer{9, 0, 0}).less(moduleVer{9, 0, 0}) || (moduleVer{10, 0, 0}).less(moduleVer{9, 9, 9}) {
		t.Error("less orders versions wrongly")
	}
}

// TestCapturedModuleVersion reads the version from /proc/drbd as captured
// from DRBD 8.4 (testdata/drbd84/<state>.txt) in every state.
func TestCapturedModuleVersion(t *testing.T) {
	files, err := filepath.Glob("testdata/drbd84/*[a-z0-9].txt")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, file := range files {
		if filepath.Ext(file[:len(file)-len(".txt")]) != "" {
			continue // a command's output, not /proc/drbd
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		n++
		if v, err := moduleVersion(string(raw)); err != nil || v != (moduleVer{8, 4, 11}) {
			t.Errorf("%s: version %v, %v; want 8.4.11", file, v, err)
		}
	}
	if n == 0 {
		t.Fatal("no captured /proc/drbd")
	}
}
