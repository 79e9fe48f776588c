package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateREADME = flag.Bool("update", false, "rewrite README.md's maintenance section from maintenance.md")

// The README's maintenance section lies between these lines.
const (
	readmeStart = "<!-- generated from bootstrap/ops/maintenance.md: go test ./bootstrap/ops -run TestREADMEMaintenance -update -->"
	readmeEnd   = "<!-- end of bootstrap/ops/maintenance.md -->"
)

// TestREADMEMaintenance keeps README.md's maintenance section equal to
// maintenance.md, the text test/cluster runs.
func TestREADMEMaintenance(t *testing.T) {
	const path = "../../README.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	start, end := strings.Index(readme, readmeStart), strings.Index(readme, readmeEnd)
	if start < 0 || end < start {
		t.Fatalf("%s has no section between %q and %q", path, readmeStart, readmeEnd)
	}
	body := readme[start+len(readmeStart)+1 : end]
	if body == maintenanceText {
		return
	}
	if !*updateREADME {
		t.Fatalf("%s's maintenance section differs from maintenance.md: run go test ./bootstrap/ops -run TestREADMEMaintenance -update", path)
	}
	readme = readme[:start+len(readmeStart)+1] + maintenanceText + readme[end:]
	if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestManPageMaintenance: the man page carries the section, as its own .SH
// with subsections, and urfave/cli's usage paragraph does not land in it.
func TestManPageMaintenance(t *testing.T) {
	app := newApp(os.Stdout, os.Stderr, deps{})
	man, err := manPage(app)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".SH MAINTENANCE", ".SS Restoring a dump", "crm configure property maintenance-mode=true", ".SH COMMAND LINE"} {
		if !strings.Contains(man, want) {
			t.Errorf("the man page lacks %q", want)
		}
	}
	if i, j := strings.Index(man, ".SH COMMAND LINE"), strings.Index(man, `\fBUsage\fP`); j < i {
		t.Errorf("urfave/cli's usage paragraph is not under COMMAND LINE but in the maintenance section")
	}
	if strings.Contains(app.Description, maintenanceHeading) {
		t.Errorf("the description keeps the maintenance section after the man page: --help would print it")
	}
}
