package guestcluster

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"os/exec"
	"strings"
	"text/template"
)

// LibvirtURI is the host's system libvirtd (make services), which the test
// drives with virsh and the guests' fence agents reach over qemu+tcp.
const LibvirtURI = "qemu:///system"

// Inside each guest, the fencing NIC is qemu's user networking (slirp),
// where fenceHost is the host's loopback: the fence agents reach
// libvirtd's TCP listener on 127.0.0.1:16509 there. The guests have no
// default route, so nothing but that network is reachable from them.
// (restrict=on with a guestfwd rule would confine them further, but
// guestfwd either makes one connection for the qemu process's lifetime or
// spawns a relay, which libvirt's seccomp sandbox forbids.)
const (
	fenceAddr = "10.0.2.15/24"
	fenceHost = "10.0.2.2"
	fenceURI  = "qemu+tcp://" + fenceHost + "/system"
)

// udpNIC is a libvirt <interface type='udp'>: frames in UDP datagrams from
// Local to Remote on loopback. Link state is set with virsh domif-setlink
// by MAC.
type udpNIC struct {
	MAC                   string
	LocalPort, RemotePort int
}

// domainSpec is what the domain XML is made from.
type domainSpec struct {
	Name                 string
	MemoryMiB            int
	Kernel, Initrd       string
	Cmdline              string
	Root, Data           string // qcow2 overlay of the image's root, raw data disk
	Console, ControlSock string
	NICs                 []udpNIC // eth0, eth1, ... in this order
	FenceMAC             string   // the user-mode NIC, after the others
	Share, ShareTag      string   // a host directory the guest mounts read-only (9p)
}

// The control channel is the virtio-serial port test/guest's init looks for
// (qvd.control). qemu runs as root for these domains (a static DAC label,
// no relabelling): libvirt must not chown the cached image that other
// tests share. The NICs are probed in the order of their PCI slots, which
// libvirt assigns in the order of the XML: the fencing NIC is the last ethN.
var domainXML = template.Must(template.New("domain").Funcs(template.FuncMap{"esc": xmlEscape}).Parse(
	`<domain type='qemu'>
  <name>{{esc .Name}}</name>
  <memory unit='MiB'>{{.MemoryMiB}}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{{esc .Kernel}}</kernel>
    <initrd>{{esc .Initrd}}</initrd>
    <cmdline>{{esc .Cmdline}}</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{{esc .Root}}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source file='{{esc .Data}}'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
{{- range .NICs}}
    <interface type='udp'>
      <mac address='{{.MAC}}'/>
      <source address='127.0.0.1' port='{{.RemotePort}}'>
        <local address='127.0.0.1' port='{{.LocalPort}}'/>
      </source>
      <model type='virtio'/>
    </interface>
{{- end}}
    <interface type='user'>
      <mac address='{{.FenceMAC}}'/>
      <ip family='ipv4' address='10.0.2.0' prefix='24'/>
      <model type='virtio'/>
    </interface>
    <filesystem type='mount' accessmode='passthrough'>
      <source dir='{{esc .Share}}'/>
      <target dir='{{esc .ShareTag}}'/>
      <readonly/>
    </filesystem>
    <serial type='file'>
      <source path='{{esc .Console}}'/>
      <target port='0'/>
    </serial>
    <channel type='unix'>
      <source mode='bind' path='{{esc .ControlSock}}'/>
      <target type='virtio' name='qvd.control'/>
    </channel>
    <memballoon model='none'/>
  </devices>
  <seclabel type='static' model='dac' relabel='no'>
    <label>+0:+0</label>
  </seclabel>
</domain>
`))

func xmlEscape(s string) (string, error) {
	var b bytes.Buffer
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (d domainSpec) xml() ([]byte, error) {
	var b bytes.Buffer
	if err := domainXML.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("domain XML for %s: %w", d.Name, err)
	}
	return b.Bytes(), nil
}

// virsh runs virsh against the host's libvirtd.
func virsh(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "virsh", append([]string{"-q", "-c", LibvirtURI}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("virsh %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// domainState is virsh domstate's word: "running", "shut off", ...
func domainState(ctx context.Context, name string) (string, error) {
	out, err := virsh(ctx, "domstate", name)
	return strings.TrimSpace(out), err
}
