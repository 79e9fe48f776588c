package fencetest

import (
	"testing"

	"github.com/qvd-ha/qvd-ha/fence/fencing"
)

// TestDecodes: a load function that reads every option of the agent by its
// declared names passes, and gets the values set (a password as the
// resolved one). What Decodes reports otherwise is internal/trial's test.
func TestDecodes(t *testing.T) {
	a := fencing.Agent{Name: "fence_test", Options: []fencing.Option{
		fencing.Plug, fencing.Username, fencing.Password,
		{Name: "ssh_path", Type: fencing.String, Ignored: "no ssh program runs"},
	}}
	type settings struct{ user, password string }
	load := func(o *fencing.Options) (settings, error) {
		return settings{user: o.String(fencing.Username.Name), password: o.Password()}, nil
	}
	if got := Decodes(t, a, load, "login=admin", "password=pw"); got != (settings{"admin", "pw"}) {
		t.Errorf("settings %+v, want the set username and password", got)
	}
}
