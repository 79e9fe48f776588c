package fencing

import (
	"slices"
	"testing"
	"time"
)

// TestTrial: trial Options hold defaults and given values (by any accepted
// spelling), record an undeclared name instead of panicking, and know which
// of the agent's options were never read.
func TestTrial(t *testing.T) {
	a := &Agent{Name: "fence_test", Options: []Option{
		Plug, Username, Password, PasswordScript, IP,
		{Name: "hostlist", Type: String},
		{Name: "ssh_path", Type: String, Ignored: "no ssh program runs"},
	}}
	o, trial := NewTrial(a, map[string]string{"login": "admin", "password": "s3cret"})
	if got := o.String(Username.Name); got != "admin" || !o.IsSet(Username.Name) {
		t.Errorf("username %q (set %v), want admin given as login", got, o.IsSet(Username.Name))
	}
	if got := o.Password(); got != "s3cret" {
		t.Errorf("Password() %q, want the given one", got)
	}
	if got := o.Duration(loginTimeoutOpt.Name); got != 5*time.Second {
		t.Errorf("login_timeout %s, want the runtime's default 5s", got)
	}
	_ = o.String("hostlst")
	_ = o.Bool("ssl_insecure")
	if got, want := trial.Undeclared(), []string{"hostlst", "ssl_insecure"}; !slices.Equal(got, want) {
		t.Errorf("undeclared %q, want %q", got, want)
	}
	// plug and the password sources are the runtime's; ssh_path is ignored.
	if got, want := trial.Unread(), []string{"ip", "hostlist"}; !slices.Equal(got, want) {
		t.Errorf("unread %q, want %q", got, want)
	}
}
