// Package nodeconf writes QVD's /etc/qvd/node.conf database keys (runbook
// 8.3): the keys QVD's tools read to reach the database. Other keys of the
// file (Config::Properties "key = value" lines) and comments are kept.
package nodeconf

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/files"
)

// Path is QVD's node configuration.
const Path = "/etc/qvd/node.conf"

// Perm is node.conf's mode: it holds the database password.
const Perm = 0o600

// Hidden stands for the password in anything shown to a person.
const Hidden = "********"

// Keys are the managed keys and their values, in file order. database.port
// is written only for a port other than PostgreSQL's default.
func Keys(c *config.Config, password string) [][2]string {
	k := [][2]string{
		{"database.host", c.DBHostname},
		{"database.name", c.DBName},
		{"database.user", c.DBUser},
		{"database.password", password},
	}
	if c.PGPort != 5432 {
		k = append(k, [2]string{"database.port", strconv.Itoa(c.PGPort)})
	}
	return k
}

// Merge sets keys in old: a key's first line gets the new value, its later
// lines go, missing keys are appended; everything else stays.
func Merge(old string, keys [][2]string) string {
	want := map[string]string{}
	for _, kv := range keys {
		want[kv[0]] = kv[1]
	}
	seen := map[string]bool{}
	var out []string
	for _, l := range strings.SplitAfter(old, "\n") {
		if l == "" {
			continue
		}
		k, _, ok := strings.Cut(l, "=")
		k = strings.TrimSpace(k)
		if v, mine := want[k]; ok && mine && !strings.HasPrefix(k, "#") {
			if !seen[k] {
				out = append(out, k+" = "+v+"\n")
				seen[k] = true
			}
			continue
		}
		if !strings.HasSuffix(l, "\n") {
			l += "\n"
		}
		out = append(out, l)
	}
	for _, kv := range keys {
		if !seen[kv[0]] {
			out = append(out, kv[0]+" = "+kv[1]+"\n")
		}
	}
	return strings.Join(out, "")
}

// Write brings the file name to c's keys with password, mode 0600, and
// tells out what it did. With dryRun it shows the content it would write,
// the password hidden: a dry run is for a person to read.
func Write(out io.Writer, name string, c *config.Config, password string, dryRun bool) error {
	old, err := os.ReadFile(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	data := Merge(string(old), Keys(c, password))
	if dryRun {
		state := "would be changed"
		switch {
		case errors.Is(err, fs.ErrNotExist):
			state = "would be created"
		case data == string(old):
			state = "is up to date"
		}
		shown := Merge(string(old), Keys(c, Hidden))
		fmt.Fprintf(out, "%s %s (mode 0600); its content, password hidden:\n%s", name, state, shown)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	changed, err := files.Update(name, []byte(data), Perm)
	if err != nil {
		return err
	}
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	if st.Mode().Perm() != Perm {
		if err := os.Chmod(name, Perm); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: mode %04o, set to 0600 (it holds the password)\n", name, st.Mode().Perm())
	}
	if changed {
		fmt.Fprintf(out, "%s written\n", name)
	} else {
		fmt.Fprintf(out, "%s is up to date\n", name)
	}
	return nil
}
