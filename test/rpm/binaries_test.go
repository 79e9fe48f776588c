//go:build root

package rpm_test

import (
	"debug/buildinfo"
	"debug/dwarf"
	"debug/elf"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
)

// checkBinaries: every binary in the packages is a PIE built with
// -trimpath and no VCS stamp, it is stripped, and the debuginfo package
// holds its DWARF under its build-id, with the line table of its main
// package. That is what SUSE's debuginfo packages need, and what `go build
// -s -w` would have made impossible.
func checkBinaries(t *testing.T, b *built) {
	dir := t.TempDir()
	extract(t, b.rpms["qvd-ha-debuginfo"], dir)
	for _, p := range packages {
		extract(t, b.rpms[p.name], dir)
		for bin, src := range p.sources {
			t.Run(filepath.Base(bin), func(t *testing.T) {
				path := filepath.Join(dir, bin)
				checkBuildSettings(t, path)
				if interp(t, path) == "" {
					t.Errorf("%s names no interpreter: not a PIE", bin)
				}
				id, hasDWARF := buildID(t, path)
				if hasDWARF {
					t.Errorf("%s still has its DWARF", bin)
				}
				// gdb's way to the debug file: the build-id link
				debug := filepath.Join(dir, "usr/lib/debug/.build-id", id[:2], id[2:]+".debug")
				f, err := elf.Open(debug)
				if err != nil {
					t.Fatalf("debug file for build-id %s: %v", id, err)
				}
				defer f.Close()
				d, err := f.DWARF()
				if err != nil {
					t.Fatalf("%s: %v", debug, err)
				}
				want := "github.com/qvd-ha/qvd-ha/" + src + "/main.go"
				if !mainHasFile(t, d, want) {
					t.Errorf("%s: the main package's line table has no %s", debug, want)
				}
			})
		}
	}
}

// checkBuildSettings reads the settings go build recorded in the binary.
func checkBuildSettings(t *testing.T, path string) {
	t.Helper()
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range info.Settings {
		got[s.Key] = s.Value
		if strings.HasPrefix(s.Key, "vcs") {
			t.Errorf("%s: VCS stamp %s=%s (the spec builds with -buildvcs=false)", path, s.Key, s.Value)
		}
	}
	for k, v := range map[string]string{"-buildmode": "pie", "-trimpath": "true", "CGO_ENABLED": "0"} {
		if got[k] != v {
			t.Errorf("%s: build setting %s=%q, want %q", path, k, got[k], v)
		}
	}
}

// buildID reads an ELF file's GNU build-id note, and says whether the file
// has DWARF.
func buildID(t *testing.T, path string) (string, bool) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := f.Section(".note.gnu.build-id")
	if s == nil {
		t.Fatalf("%s has no build-id: find-debuginfo needs one (Go >= 1.24 writes it)", path)
	}
	note, err := s.Data()
	// namesz, descsz, type, "GNU\0", then the id
	if err != nil || len(note) < 16 {
		t.Fatalf("%s: build-id note: %v", path, err)
	}
	namesz, descsz := f.ByteOrder.Uint32(note[0:]), f.ByteOrder.Uint32(note[4:])
	start := 12 + (namesz+3)&^3
	if uint32(len(note)) < start+descsz {
		t.Fatalf("%s: short build-id note", path)
	}
	hasDWARF := f.Section(".debug_info") != nil || f.Section(".zdebug_info") != nil
	return hex.EncodeToString(note[start : start+descsz]), hasDWARF
}

// mainHasFile says whether the compile unit of package main names file.
func mainHasFile(t *testing.T, d *dwarf.Data, file string) bool {
	t.Helper()
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e == nil {
			return false
		}
		if e.Tag != dwarf.TagCompileUnit {
			continue
		}
		r.SkipChildren()
		if name, _ := e.Val(dwarf.AttrName).(string); name != "main" {
			continue
		}
		lr, err := d.LineReader(e)
		if err != nil || lr == nil {
			t.Fatalf("line table of package main: %v", err)
		}
		for _, f := range lr.Files() {
			if f != nil && f.Name == file {
				return true
			}
		}
	}
}
