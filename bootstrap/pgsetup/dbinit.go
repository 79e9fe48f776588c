package pgsetup

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// MonitorTable is the table of runbook 8.4 that the pgsql agent's write
// check updates.
const MonitorTable = "pacemaker_monitor"

// Spec is what db-init creates.
type Spec struct {
	DB, User string
	Password string // never logged, never in an error, sent only as a SCRAM verifier
}

// Init brings the server to spec through admin, a superuser connection;
// connectDB opens a superuser connection to another database. It returns
// what it did (with dryRun: what it would do); nothing means up to date.
func Init(ctx context.Context, admin *pgx.Conn, connectDB func(context.Context, string) (*pgx.Conn, error), s Spec, dryRun bool) ([]string, error) {
	var done []string
	act := func(what, sql string) error {
		done = append(done, what)
		if dryRun {
			return nil
		}
		if _, err := admin.Exec(ctx, sql); err != nil {
			// The statement may hold the verifier: name only what failed.
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	user := pgx.Identifier{s.User}.Sanitize()
	db := pgx.Identifier{s.DB}.Sanitize()

	// The role (runbook 8.1: createuser -SDRP).
	var login bool
	var stored *string
	err := admin.QueryRow(ctx, "select rolcanlogin, rolpassword from pg_authid where rolname = $1", s.User).Scan(&login, &stored)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		verifier, err := Verifier(s.Password)
		if err != nil {
			return nil, err
		}
		if err := act("create role "+s.User+" (login, password)",
			"create role "+user+" login nosuperuser nocreatedb nocreaterole password "+literal(verifier)); err != nil {
			return done, err
		}
	case err != nil:
		return nil, fmt.Errorf("read role %s: %w", s.User, err)
	default:
		if !login {
			if err := act("allow role "+s.User+" to log in", "alter role "+user+" login"); err != nil {
				return done, err
			}
		}
		if stored == nil || !VerifierMatches(*stored, s.Password) {
			verifier, err := Verifier(s.Password)
			if err != nil {
				return nil, err
			}
			if err := act("set the password of role "+s.User+" (scram-sha-256)",
				"alter role "+user+" password "+literal(verifier)); err != nil {
				return done, err
			}
		}
	}

	// The database, owned by the role (runbook 8.1: createdb -O).
	var owner string
	err = admin.QueryRow(ctx, "select pg_get_userbyid(datdba) from pg_database where datname = $1", s.DB).Scan(&owner)
	dbExists := err == nil
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if err := act("create database "+s.DB+" owned by "+s.User, "create database "+db+" owner "+user); err != nil {
			return done, err
		}
	case err != nil:
		return done, fmt.Errorf("read database %s: %w", s.DB, err)
	case owner != s.User:
		if err := act("give database "+s.DB+" from "+owner+" to "+s.User, "alter database "+db+" owner to "+user); err != nil {
			return done, err
		}
	}

	// The monitor table with one row (runbook 8.4), owned by the role.
	if dryRun && !dbExists {
		return append(done, "create table "+MonitorTable+" (last_update timestamp) with one row"), nil
	}
	conn, err := connectDB(ctx, s.DB)
	if err != nil {
		return done, fmt.Errorf("connect to %s: %w", s.DB, err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "select to_regclass('public."+MonitorTable+"') is not null").Scan(&exists); err != nil {
		return done, fmt.Errorf("look for %s: %w", MonitorTable, err)
	}
	if !exists {
		done = append(done, "create table "+MonitorTable+" (last_update timestamp) with one row")
		if dryRun {
			return done, nil
		}
		_, err := conn.Exec(ctx, "set role "+user+"; create table public."+MonitorTable+" (last_update timestamp); "+
			"insert into public."+MonitorTable+" values (current_timestamp); reset role")
		if err != nil {
			return done, fmt.Errorf("create %s: %w", MonitorTable, err)
		}
		return done, nil
	}
	var rows int
	if err := conn.QueryRow(ctx, "select count(*) from public."+MonitorTable).Scan(&rows); err != nil {
		return done, fmt.Errorf("count %s: %w", MonitorTable, err)
	}
	if rows == 0 {
		done = append(done, "insert one row into "+MonitorTable)
		if !dryRun {
			if _, err := conn.Exec(ctx, "insert into public."+MonitorTable+" values (current_timestamp)"); err != nil {
				return done, fmt.Errorf("insert into %s: %w", MonitorTable, err)
			}
		}
	}
	return done, nil
}

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

const scramIterations = 4096 // PostgreSQL's scram_iterations default

// Verifier is the SCRAM-SHA-256 secret PostgreSQL stores for password
// (RFC 5803 form, as pg_authid.rolpassword holds it), built here so that the
// server never sees the password itself. Only ASCII passwords are accepted:
// for them SASLprep, which the server applies, changes nothing.
func Verifier(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return verifier(password, salt, scramIterations)
}

func verifier(password string, salt []byte, iter int) (string, error) {
	for _, r := range password {
		if r < 0x20 || r > 0x7e {
			return "", errors.New("the password must be printable ASCII (PostgreSQL normalises other characters with SASLprep)")
		}
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iter, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("derive the SCRAM key: %w", err)
	}
	clientKey := mac(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := mac(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iter, b64(salt), b64(storedKey[:]), b64(serverKey)), nil
}

// VerifierMatches tells whether stored is a SCRAM-SHA-256 secret of password.
func VerifierMatches(stored, password string) bool {
	rest, ok := strings.CutPrefix(stored, "SCRAM-SHA-256$")
	if !ok {
		return false
	}
	iterSalt, _, ok := strings.Cut(rest, "$")
	if !ok {
		return false
	}
	iterText, saltText, ok := strings.Cut(iterSalt, ":")
	iter, err := strconv.Atoi(iterText)
	if !ok || err != nil || iter <= 0 {
		return false
	}
	salt, err := base64.StdEncoding.DecodeString(saltText)
	if err != nil {
		return false
	}
	want, err := verifier(password, salt, iter)
	return err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(stored)) == 1
}

func mac(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}
