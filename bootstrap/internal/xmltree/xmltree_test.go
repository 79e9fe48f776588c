package xmltree

import (
	"strings"
	"testing"
)

const doc = `<?xml version="1.0"?>
<cib a="1"><configuration>
  <resources>
    <primitive id="p1" type="x"><operations><op id="o1" name="start"/><op id="o2" name="monitor" role="Promoted"/></operations></primitive>
    <group id="g"><primitive id="p2" type="y"/></group>
  </resources>
  <!-- a comment -->
</configuration></cib>`

func TestFind(t *testing.T) {
	root, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		ids  string
	}{
		{"configuration/resources/primitive", "p1"},
		{"//primitive", "p1 p2"},
		{"//primitive[@type='y']", "p2"},
		{"//op[@name='monitor'][@role='Promoted']", "o2"},
		{"//op[@name='monitor'][@role='Unpromoted']", ""},
		{"configuration/resources/*", "p1 g"},
		{"configuration/./resources/group/primitive", "p2"},
		{"//primitive/operations/op", "o1 o2"},
	} {
		var ids []string
		for _, e := range root.Find(tc.path) {
			ids = append(ids, e.Attr("id"))
		}
		if got := strings.Join(ids, " "); got != tc.ids {
			t.Errorf("%s: %q, want %q", tc.path, got, tc.ids)
		}
	}
}

func TestCanonical(t *testing.T) {
	a, err := Parse([]byte(`<p id="1" b="2" a="1"><q id="x"/></p>`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse([]byte(`<p a="1" id="other" b="2">
  <q id="y"></q></p>`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Canonical("id") != b.Canonical("id") {
		t.Errorf("same meaning, different text:\n%s\n%s", a.Canonical("id"), b.Canonical("id"))
	}
	if want := "p a=\"1\" b=\"2\"\n  q\n"; a.Canonical("id") != want {
		t.Errorf("Canonical = %q, want %q", a.Canonical("id"), want)
	}
	if a.Canonical() == b.Canonical() {
		t.Error("ids ignored although not dropped")
	}
	if _, err := Parse([]byte("<a><b></a>")); err == nil {
		t.Error("malformed XML parsed")
	}
}
