package pgsetup

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

func TestBlocks(t *testing.T) {
	c := config.Default()
	listen := ListenAddresses(c)
	extra := []netip.Prefix{netip.MustParsePrefix("203.0.113.7/24")}
	for _, tc := range []struct {
		name, old string
		edit      func(string) string
		first     string // the first line of the result
		want      []string
		last      string // the last line of the result
	}{
		{"conf appended after the admin's lines", "max_connections = 100\nlisten_addresses = '*'\n",
			func(s string) string { return Conf(s, c, listen) }, "max_connections = 100",
			[]string{"listen_addresses = 'localhost,192.0.2.10'", "port = 5432",
				"default_transaction_isolation = 'serializable'", "password_encryption = 'scram-sha-256'"}, end},
		{"conf block moved to the end, the last setting wins", begin + "\nport = 1\n" + end + "\nwork_mem = 4MB",
			func(s string) string { return Conf(s, c, []string{"*"}) }, "work_mem = 4MB",
			[]string{"listen_addresses = '*'"}, end},
		{"hba first: the first matching line wins", "# admin\nhost all all 0.0.0.0/0 md5\n",
			func(s string) string { return HBA(s, c, extra) }, begin,
			[]string{"local   qvddb      qvd                             peer map=pacemaker",
				"host    qvddb      qvd        192.0.2.11/32        scram-sha-256",
				"host    qvddb      qvd        192.0.2.12/32        scram-sha-256",
				"host    qvddb      qvd        192.0.2.10/32        scram-sha-256",
				"host    qvddb      qvd        203.0.113.0/24       scram-sha-256",
				"# admin"}, "host all all 0.0.0.0/0 md5"},
		{"ident map", "", func(s string) string { return Ident(s, c) }, begin,
			[]string{"pacemaker  root qvd"}, end},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.edit(tc.old)
			lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
			if lines[0] != tc.first || lines[len(lines)-1] != tc.last {
				t.Errorf("first %q, last %q; want %q, %q:\n%s", lines[0], lines[len(lines)-1], tc.first, tc.last, got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w+"\n") {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
			if again := tc.edit(got); again != got {
				t.Errorf("a second edit changed the file:\n%s\nthen:\n%s", got, again)
			}
			if n := strings.Count(got, begin); n != 1 {
				t.Errorf("%d managed blocks", n)
			}
		})
	}
}

func TestVerifier(t *testing.T) {
	v, err := Verifier("secret")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		stored, password string
		match            bool
	}{
		{v, "secret", true},
		{v, "Secret", false},
		{"md5" + strings.Repeat("0", 32), "secret", false},
		{"SCRAM-SHA-256$x:AAAA$a:b", "secret", false},
		{"", "secret", false},
	} {
		if got := VerifierMatches(tc.stored, tc.password); got != tc.match {
			t.Errorf("VerifierMatches(%q, %q) = %v", tc.stored, tc.password, got)
		}
	}
	if again, _ := Verifier("secret"); again == v {
		t.Error("two verifiers share a salt")
	}
	if _, err := Verifier("pässword"); err == nil || strings.Contains(err.Error(), "pässword") {
		t.Errorf("non-ASCII password: %v", err)
	}
}
