//go:build root

package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/fence/fencing/fencetest"
)

// TestFenceVirshLogin: fence_virsh's ip, ipport and username reach the
// hypervisor over ssh, as hypervisor_uri=qemu+ssh://... does; what cannot be
// honoured is refused with the reason.
func TestFenceVirshLogin(t *testing.T) {
	s := startSSHD(t, true)
	dom, _ := offDomain(t)
	login := fmt.Sprintf("ip=127.0.0.1\nipport=%d\nlogin=root\nidentity_file=%s\nknown_hosts_file=%s\n", s.Port, s.ClientKey, s.KnownHosts)
	expect(t, agentRun(t, nil, login+"action=status\nplug="+dom+"\n"), 2, "Status: OFF")
	expect(t, agentRun(t, nil, login+"action=status\nplug="+dom+"\nsecure=1\nssh_options=-4\ncmd_prompt=#\n"), 2, "Status: OFF")

	for _, tt := range []struct{ stdin, want string }{
		{login + "ssh=0\n", "ssh=0 (telnet) is not supported"},
		{login + "hypervisor_uri=qemu:///system\n", "give either ip (fence_virsh's ssh login) or hypervisor_uri, not both"},
		{"ipport=22\n", "ipport applies to ip only"},
	} {
		expect(t, agentRun(t, nil, tt.stdin+"action=validate-all\n"), 1, tt.want)
	}
}

// installed is where Pacemaker's fencer and crmsh look for the agent.
const installed = "/usr/sbin/fence_qvd_libvirt"

// TestCRMShellAcceptsFenceVirshParams: crmsh, which checks a primitive's
// parameters against the installed agent's meta-data, loads a device that
// sets every fence_virsh parameter.
func TestCRMShellAcceptsFenceVirshParams(t *testing.T) {
	fencetest.Install(t, agentBin, installed)
	fencetest.CRMShellAcceptsTwin(t, "fence_qvd_libvirt", "/usr/sbin/fence_virsh")
}

// TestExitCodesAsFenceVirsh runs fence-agents' fence_virsh (ssh to a shell,
// then virsh) and ours (libvirt's RPC over ssh) on the same domain with the
// same login: the exit codes and the domain's state afterwards must agree.
// Only the host key check differs: ours reads known_hosts_file, fence_virsh
// is given the same file through ssh_options.
func TestExitCodesAsFenceVirsh(t *testing.T) {
	s := startSSHD(t, false)
	dom, _ := offDomain(t)
	login := []string{"-a", "127.0.0.1", "-u", fmt.Sprint(s.Port), "-l", "root", "-k", s.ClientKey}
	virshSSH := "--ssh-options=-o UserKnownHostsFile=" + s.KnownHosts +
		` -t '/bin/bash -c "PS1=\\[EXPECT\\]# /bin/bash --noprofile --norc"'`
	cases := []struct {
		name  string
		args  []string
		rc    int
		state string // virsh domstate afterwards
	}{
		{"status off", []string{"-o", "status", "-n", dom}, 2, "shut off"},
		{"on", []string{"-o", "on", "-n", dom}, 0, "running"},
		{"status on", []string{"-o", "status", "-n", dom}, 0, "running"},
		{"off", []string{"-o", "off", "-n", dom}, 0, "shut off"},
		{"off again", []string{"-o", "off", "-n", dom}, 0, "shut off"},
		{"unknown domain", []string{"-o", "status", "-n", "no-such-domain"}, 1, "shut off"},
		{"unknown domain, missing_as_off", []string{"-o", "status", "-n", "no-such-domain", "--missing-as-off"}, 2, "shut off"},
		{"wrong key", []string{"-o", "status", "-n", dom, "-k", s.ClientKey + ".pub"}, 1, "shut off"},
		{"version", []string{"-V"}, 0, "shut off"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, run := range []struct {
				bin  string
				args []string
			}{
				{"/usr/sbin/fence_virsh", append(append(append([]string{}, login...), virshSSH, "--login-timeout=20", "--verbose"), c.args...)},
				{agentBin, append(append(append([]string{}, login...), "--known-hosts-file="+s.KnownHosts), c.args...)},
			} {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, run.bin, run.args...)
				out, _ := cmd.CombinedOutput()
				if rc := cmd.ProcessState.ExitCode(); rc != c.rc {
					t.Errorf("%s %s: exit %d, want %d\n%s", filepath.Base(run.bin), strings.Join(c.args, " "), rc, c.rc, out)
				}
				if got := domstate(t, dom); got != c.state {
					t.Errorf("after %s: domain %s, want %s", filepath.Base(run.bin), got, c.state)
				}
			}
		})
	}
}
