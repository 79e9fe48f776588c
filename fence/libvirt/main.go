// Command fence_qvd_libvirt fences virtual machines through libvirt's RPC
// protocol (go-libvirt), locally or on a remote hypervisor, without a shell
// or virsh in between.
package main

import (
	"github.com/qvd-ha/qvd-ha/fence/fencing"
)

var (
	optURI = fencing.Option{Name: "hypervisor_uri", Arg: "uri", Type: fencing.String, Default: "qemu:///system",
		Shortdesc: "libvirt URI of the hypervisor",
		Longdesc: "qemu:///system (local socket; ?socket=/run/libvirt/virtqemud-sock for modular daemons), " +
			"qemu+tcp://host/system, qemu+tls://host/system (certificates from tls_pki_path or ?pkipath=), " +
			"qemu+ssh://[user@]host[:port]/system (key from identity_file or ?keyfile=, host key checked against known_hosts_file). " +
			"The test driver works too: test+unix:///default."}
	optHostlist = fencing.Option{Name: "hostlist", Arg: "host[:domain] ...", Type: fencing.String,
		Shortdesc: "Nodes this device fences, as node[:domain], space or comma separated (cluster-glue external/libvirt)",
		Longdesc: "Maps the node names Pacemaker passes as plug to domain names; a node without :domain is its own domain. " +
			"When given, list shows these nodes."}
	optKnownHosts = fencing.Option{Name: "known_hosts_file", Arg: "filename", Type: fencing.String,
		Shortdesc: "known_hosts file holding the hypervisor's ssh host key (default ~/.ssh/known_hosts)"}
	optSSHInsecure = fencing.Option{Name: "ssh_insecure", Type: fencing.Boolean,
		Shortdesc: "Do not check the hypervisor's ssh host key (unsafe)"}
	optPKIPath = fencing.Option{Name: "tls_pki_path", Arg: "directory", Type: fencing.String,
		Shortdesc: "Directory with cacert.pem, clientcert.pem and clientkey.pem for qemu+tls"}
)

// fence_virsh's options, so that a fence_virsh device switched to this agent
// loads and means the same: ip, ipport and username are its ssh login to the
// hypervisor; the options of its shell session are accepted and ignored,
// because no shell or ssh program runs here.
var (
	optIP = func() fencing.Option {
		o := fencing.IP
		o.Shortdesc = "Hypervisor to reach over ssh, as fence_virsh does (instead of hypervisor_uri)"
		o.Longdesc = "Short for hypervisor_uri=qemu+ssh://[username@]ip[:ipport]/system. Unlike fence_virsh, the " +
			"hypervisor's host key must be in known_hosts_file (ssh_insecure turns the check off)."
		return o
	}()
	optIPPort = func() fencing.Option {
		o := fencing.IPPort
		o.Shortdesc = "ssh port of ip (default 22)"
		return o
	}()
	optSSH = fencing.Option{Name: "ssh", Obsoletes: "secure", Letter: 'x', Type: fencing.Boolean, Default: "1",
		Shortdesc: "Use ssh connection",
		Longdesc:  "fence_virsh's choice between ssh and telnet; with ip, ssh=0 is refused: libvirt is not reached over telnet."}
	noShell    = "no shell runs on the hypervisor: the agent speaks libvirt's RPC protocol"
	noSSH      = "no ssh program runs: the agent speaks ssh itself; use ipport, identity_file, known_hosts_file, ssh_insecure or hypervisor_uri"
	noSudo     = "no command runs on the hypervisor: give username access to libvirt's socket instead (see LEAST PRIVILEGE ON THE HYPERVISOR)"
	noFamily   = "the resolver's address order decides; give ip as an address of the wanted family instead"
	optIgnored = []fencing.Option{
		{Name: "command_prompt", Obsoletes: "cmd_prompt", Letter: 'c', Arg: "prompt", Type: fencing.String,
			Shortdesc: "Force Python regex for command prompt", Ignored: noShell},
		{Name: "ssh_options", Arg: "options", Type: fencing.String, Shortdesc: "SSH options to use", Ignored: noSSH},
		{Name: "ssh_path", Arg: "path", Type: fencing.String, Shortdesc: "Path to ssh binary", Ignored: noSSH},
		{Name: "inet4_only", Letter: '4', Type: fencing.Boolean, Shortdesc: "Forces agent to use IPv4 addresses only", Ignored: noFamily},
		{Name: "inet6_only", Letter: '6', Type: fencing.Boolean, Shortdesc: "Forces agent to use IPv6 addresses only", Ignored: noFamily},
		{Name: "use_sudo", Obsoletes: "sudo", Type: fencing.Boolean,
			Shortdesc: "Use sudo (without password) when calling 3rd party software", Ignored: noSudo},
		{Name: "sudo_path", Arg: "path", Type: fencing.String, Shortdesc: "Path to sudo binary", Ignored: noSudo},
	}
)

var plug = func() fencing.Option {
	p := fencing.Plug
	p.Shortdesc = "Domain name or UUID of the virtual machine (or a node named in hostlist)"
	return p
}()

// version is set at link time by the Makefile.
var version = "0.1.0"

func main() {
	agent.Version = version
	fencing.Main(agent)
}

var agent = fencing.Agent{
	Name:      "fence_qvd_libvirt",
	Shortdesc: "Fence agent for libvirt virtual machines",
	Longdesc: "fence_qvd_libvirt powers libvirt domains (virtual machines) off and on through libvirt's RPC protocol, " +
		"on the local hypervisor or on a remote one over tcp, tls or ssh. It needs no shell or virsh on the hypervisor. " +
		"Off is virDomainDestroy (an immediate power cut), on is virDomainCreate, status comes from the domain state: " +
		"running, blocked, paused, shutdown (still running) and pmsuspended are ON; shutoff and crashed are OFF " +
		"(a crashed guest runs no code). A transient domain vanishes when destroyed; that counts as OFF.",
	VendorURL: "https://libvirt.org",
	Options: append([]fencing.Option{
		plug, optURI, optIP, optIPPort, optSSH, optHostlist, fencing.Username, fencing.Password, fencing.PasswordScript,
		fencing.PasswordFile, fencing.IdentityFile, optKnownHosts, optSSHInsecure, optPKIPath, fencing.SSLInsecure,
	}, optIgnored...),
	ManSections: []fencing.ManSection{{Title: "Least privilege on the hypervisor", Body: leastPrivilege}},
	Validate:    validate,
	Connect:     connect,
}

const leastPrivilege = `Root over ssh can destroy every virtual machine on the host. Give the cluster a dedicated user that may manage only the cluster's domains instead.

On the hypervisor, create the user and let it use libvirt's socket through polkit, limited to the cluster's domains by name (libvirt's polkit access driver):

  useradd --system --create-home fence-qvd
  # /etc/libvirt/libvirtd.conf
  access_drivers = [ "polkit" ]
  # /etc/polkit-1/rules.d/60-fence-qvd.rules
  polkit.addRule(function(action, subject) {
      if (subject.user != "fence-qvd") return polkit.Result.NOT_HANDLED;
      if (action.id == "org.libvirt.unix.manage" ||
          action.id == "org.libvirt.api.connect.getattr" ||
          action.id == "org.libvirt.api.connect.search-domains")
          return polkit.Result.YES;
      var dom = action.lookup("domain_name");
      if (action.id.indexOf("org.libvirt.api.domain.") == 0 &&
          (dom == "node1" || dom == "node2"))
          return polkit.Result.YES;
      return polkit.Result.NO;
  });

On each cluster node, generate a key without passphrase for root (the fencer runs as root) and install its public key in ~fence-qvd/.ssh/authorized_keys. The agent runs no command over ssh: it only forwards libvirt's unix socket, so the key can be restricted to that:

  restrict,port-forwarding,command="/bin/false" ssh-ed25519 AAAA... fence@node1

Record the host key once (ssh-keyscan aries >> /root/.ssh/known_hosts, checked by hand) and configure the device:

  crm configure primitive fence-node1 stonith:fence_qvd_libvirt \
      params hypervisor_uri="qemu+ssh://fence-qvd@aries/system" \
      identity_file=/root/.ssh/id_fence plug=node1 pcmk_host_list=node1

ssh_insecure turns the host key check off; use it only in a test bed.`
