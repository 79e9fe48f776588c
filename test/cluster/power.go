package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// HookDir is where libvirt's qemu hook, installed by test/libvirtd.sh as
// /etc/libvirt/hooks/qemu, looks for a domain's power switch: an event of
// domain D runs HookDir/D with libvirt's operation and sub-operation.
const HookDir = "/run/qvd-ha/power"

// powerDomain is the libvirt domain that is node i's power supply. It is
// named unlike the node, as in the runbook's set-ups, so the fence devices
// need pcmk_host_map.
func (c *Cluster) powerDomain(i int) string { return fmt.Sprintf("%s-power%d", c.Name, i) }

// PowerDomain is the libvirt domain that powers n.
func (c *Cluster) PowerDomain(n *Node) string { return c.powerDomain(n.ID) }

// powerXML is a qemu domain with no disk: it boots nothing, starts in a
// few seconds and is destroyed as any guest is, which is all a fencing
// target needs.
const powerXML = `<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <on_poweroff>destroy</on_poweroff>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>
`

// AddPower gives every node a power domain in the host's libvirtd and
// starts it: from then on, destroying a node's domain (fencing) kills the
// node before the destroy returns, and starting it boots the node.
// Defining a domain takes libvirtd about 30 s here (it probes qemu each
// time), so both are defined at once.
func (c *Cluster) AddPower(ctx context.Context) error {
	if _, err := os.Stat("/etc/libvirt/hooks/qemu"); err != nil {
		return fmt.Errorf("libvirt's qemu hook is missing (make services installs it, then restarts libvirtd): %w", err)
	}
	if err := os.MkdirAll(HookDir, 0o755); err != nil {
		return err
	}
	errs := make([]error, len(c.Nodes))
	var wg sync.WaitGroup
	for i, n := range c.Nodes {
		dom := c.PowerDomain(n)
		c.power = append(c.power, dom)
		if err := os.Symlink(n.powerPath(), filepath.Join(HookDir, dom)); err != nil && !os.IsExist(err) {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			xml := filepath.Join(c.Dir, dom+".xml")
			if errs[i] = os.WriteFile(xml, []byte(fmt.Sprintf(powerXML, dom)), 0o644); errs[i] != nil {
				return
			}
			if _, errs[i] = virsh(ctx, "define", xml); errs[i] != nil {
				return
			}
			_, errs[i] = virsh(ctx, "start", dom)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	// The start events went through the hook: proof that libvirtd has it.
	for _, n := range c.Nodes {
		log, _ := os.ReadFile(filepath.Join(n.Dir, "power.log"))
		if !bytes.Contains(log, []byte(" started begin")) {
			return fmt.Errorf("libvirtd did not run the qemu hook for %s: restart libvirtd after installing /etc/libvirt/hooks/qemu (make services)", c.PowerDomain(n))
		}
	}
	return nil
}

// PowerOn starts n's power domain, as an administrator would; the hook
// boots the node.
func (c *Cluster) PowerOn(ctx context.Context, n *Node) error {
	_, err := virsh(ctx, "start", c.PowerDomain(n))
	return err
}

// removePower destroys and undefines the power domains, after unhooking
// them so that their end does not kill a node twice.
func (c *Cluster) removePower(ctx context.Context) {
	for _, dom := range c.power {
		os.Remove(filepath.Join(HookDir, dom))
		_, _ = virsh(ctx, "destroy", dom)
		_, _ = virsh(ctx, "undefine", dom)
	}
}

// virsh runs virsh on the host's system libvirtd (test tooling; the fence
// agent speaks libvirt's protocol itself).
func virsh(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "virsh", append([]string{"-c", "qemu:///system"}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("virsh %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}
