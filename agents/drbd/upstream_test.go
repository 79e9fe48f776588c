package main

import (
	"path/filepath"
	"testing"

	"github.com/qvd-ha/qvd-ha/test/crmtest"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

const linbit = "/usr/lib/ocf/resource.d/linbit/drbd"

// upstreamValues holds, for every parameter of the installed
// ocf:linbit:drbd, values a configuration written for it may set, and what
// validate-all of ocf:qvd:drbd answers on a node with DRBD 8.4.11 loaded:
// 0 for what it implements, 5 or 6 with the reason for what it refuses
// rather than doing something else silently. "" stands for the fake drbd.conf.
var upstreamValues = []struct {
	name, value string
	rc          ocf.RC
	reason      string
}{
	{"drbd_resource", "r0", ocf.Success, ""},
	{"drbdconf", "", ocf.Success, ""},
	{"drbdconf", "/nonexistent/drbd.conf", ocf.ErrInstalled, "drbdconf /nonexistent/drbd.conf does not exist"},
	{"adjust_master_score", "0 10 1000 10000", ocf.Success, ""},
	{"adjust_master_score", "5 10 100 1000", ocf.Success, ""},
	{"adjust_master_score", "0 10 5 10000", ocf.ErrConfigured, "adjust_master_score"},
	{"stop_outdates_secondary", "true", ocf.Success, ""},
	{"stop_outdates_secondary", "false", ocf.Success, ""},
	{"ignore_missing_notifications", "true", ocf.Success, ""},
	{"wfc_timeout", "0", ocf.Success, ""},
	{"wfc_timeout", "30", ocf.Success, ""},
	{"remove_master_score_if_peer_primary", "false", ocf.Success, ""},
	{"remove_master_score_if_peer_primary", "true", ocf.Success, ""},
	{"remove_master_score_if_peer_primary", "unexpected", ocf.Success, ""},
	{"remove_master_score_if_peer_primary", "sometimes", ocf.ErrConfigured, "use true, false or unexpected"},
	{"fail_promote_early_if_peer_primary", "true", ocf.Success, ""},
	{"unfence_if_all_uptodate", "true", ocf.Success, ""},
	{"unfence_extra_args", "--quiet", ocf.Success, ""},
	{"require_drbd_module_version_ge", "8.4.0", ocf.Success, ""},
	{"require_drbd_module_version_ge", "9.0.16", ocf.ErrInstalled, "require_drbd_module_version_ge is 9.0.16"},
	{"require_drbd_module_version_ge", "9.0", ocf.ErrConfigured, "not a version x.y.z"},
	{"require_drbd_module_version_lt", "9.0.0", ocf.Success, ""},
	{"require_drbd_module_version_lt", "8.4.11", ocf.ErrInstalled, "require_drbd_module_version_lt is 8.4.11"},
	{"connect_only_after_promote", "false", ocf.Success, ""},
	{"connect_only_after_promote", "true", ocf.ErrConfigured, "connect_only_after_promote=true is not supported"},
}

// typeExceptions are ocf:linbit:drbd's declared types that are wrong: its
// unfence_extra_args is "boolean" with a list of options as its default.
var typeExceptions = map[string]string{"unfence_extra_args": "string"}

func declared(name string) (ocf.Param, bool) {
	for _, p := range params {
		if p.Name == name {
			return p, true
		}
	}
	return ocf.Param{}, false
}

// TestUpstreamParams sets every parameter of the installed ocf:linbit:drbd,
// alone with its upstream default, with the values above, and all at once.
func TestUpstreamParams(t *testing.T) {
	ups := crmtest.UpstreamParams(t, linbit, "meta-data")
	tested := map[string]bool{}
	for _, v := range upstreamValues {
		tested[v.name] = true
	}
	var all []string
	for _, up := range ups {
		t.Run(up.Name, func(t *testing.T) {
			d, ok := declared(up.Name)
			if !ok {
				t.Fatalf("ocf:linbit:drbd's %s is not declared: crmsh refuses a primitive that sets it", up.Name)
			}
			want := up.Type
			if w, ok := typeExceptions[up.Name]; ok {
				want = w
			}
			if d.Type.String() != want {
				t.Errorf("type %s, upstream %s", d.Type, up.Type)
			}
			if d.Default != up.Default {
				t.Errorf("default %q, upstream %q", d.Default, up.Default)
			}
			if !tested[up.Name] {
				t.Errorf("no value of %s in upstreamValues", up.Name)
			}
			if up.Default != "" && up.Name != "drbdconf" {
				f := newFake(t)
				expectRC(t, f.call("validate-all", up.Name+"="+up.Default), ocf.Success, "")
				all = append(all, up.Name+"="+up.Default)
			}
		})
	}
	for _, v := range upstreamValues {
		t.Run(v.name+"="+v.value, func(t *testing.T) {
			f := newFake(t)
			value := v.value
			if v.name == "drbdconf" && value == "" {
				value = filepath.Join(f.dir, "drbd.conf")
			}
			expectRC(t, f.call("validate-all", v.name+"="+value), v.rc, v.reason)
		})
	}
	t.Run("all at once", func(t *testing.T) {
		f := newFake(t)
		expectRC(t, f.call("validate-all", all...), ocf.Success, "")
	})
}
