// Command fence_qvd_xenapi fences XenServer / XCP-ng virtual machines over
// XenAPI (XML-RPC over HTTPS), logging out on every path and following a
// pool slave to its master.
package main

import (
	"errors"
	"net/url"
	"strings"

	"github.com/qvd-ha/qvd-ha/fence/fencing"
)

var (
	optSessionURL = fencing.Option{Name: "session_url", Letter: 's', Arg: "URL", Type: fencing.String, Required: true,
		Shortdesc: "URL of the XenServer pool master or a pool member (https:// when no scheme is given)",
		Longdesc: "XenAPI endpoint, e.g. https://xs1.example.com. A pool slave answers HOST_IS_SLAVE with the master's " +
			"address; the agent then logs in at the master with the same scheme and port and checks the master's " +
			"certificate against the same CA, for the address the slave named (the certificate must carry that IP " +
			"address as a subject alternative name, or set ssl_insecure)."}
	optCAFile = fencing.Option{Name: "ssl_ca_file", Arg: "filename", Type: fencing.String,
		Shortdesc: "PEM file of the CA that signed the XenServer certificates (default: the system's CAs)"}
	optHostlist = fencing.Option{Name: "hostlist", Arg: "node[:vm] ...", Type: fencing.String,
		Shortdesc: "Nodes this device fences, as node[:vm], space or comma separated (the runbook's external/xenapi)",
		Longdesc: "Maps the node names Pacemaker passes as plug to VM name labels or UUIDs; a node without :vm is its own VM name. " +
			"When given, list shows these nodes."}
	plug = func() fencing.Option {
		p := fencing.Plug
		p.Shortdesc = "VM name label or UUID (or a node named in hostlist)"
		return p
	}()
)

var agent = fencing.Agent{
	Name:      "fence_qvd_xenapi",
	Shortdesc: "Fence agent for XenServer and XCP-ng virtual machines over XenAPI",
	Longdesc: "fence_qvd_xenapi powers XenServer / XCP-ng virtual machines off (VM.hard_shutdown) and on " +
		"(VM.start) over XenAPI. Halted is OFF; Running, Paused and Suspended are ON. Templates and the control " +
		"domain are never listed or fenced. Every call runs under a deadline, the session is logged out on every " +
		"path (xapi caps sessions per user), an expired session is renewed once, and errors are reported by their " +
		"XenAPI code. TLS certificates are verified unless ssl_insecure is set. Prefer password_script to a " +
		"password in the CIB: CIB values show in crm configure show and in cluster reports.",
	VendorURL: "https://xapi-project.github.io",
	Options: []fencing.Option{
		plug, optSessionURL, optHostlist, fencing.Username, fencing.Password, fencing.PasswordScript,
		fencing.PasswordFile, fencing.SSLInsecure, optCAFile,
	},
	Validate: validate,
	Connect:  connect,
}

// version is set at link time by the Makefile.
var version = "0.1.0"

func main() {
	agent.Version = version
	fencing.Main(agent)
}

// sessionURL adds the https:// the runbook leaves out ("https://aries" is
// written in full there, but "-s aries" works with fence_xenapi too).
func sessionURL(raw string) (string, error) {
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("session_url must be an http(s) URL such as https://xs1.example.com")
	}
	return u.String(), nil
}

func validate(o *fencing.Options) error {
	_, err := loadSettings(o)
	return err
}
