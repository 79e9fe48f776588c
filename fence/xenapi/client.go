package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/qvd-ha/qvd-ha/fence/xenapi/xmlrpc"
)

// apiError is a XenAPI failure: its ErrorDescription, a code and arguments.
type apiError struct {
	Code string
	Args []string
}

func (e *apiError) Error() string {
	if len(e.Args) == 0 {
		return "XenAPI error " + e.Code
	}
	return fmt.Sprintf("XenAPI error %s %s", e.Code, strings.Join(e.Args, " "))
}

func isAPIError(err error, code string) (*apiError, bool) {
	var e *apiError
	if errors.As(err, &e) && e.Code == code {
		return e, true
	}
	return nil, false
}

// client is one XenAPI session. Every call runs under the caller's context,
// so a hung server ends in an error, never a hang.
type client struct {
	url      *url.URL
	http     *http.Client
	user     string
	password string
	session  string
}

// newClient prepares a client for a checked URL (see sessionURL); TLS
// verification is on unless insecure.
func newClient(rawURL, caFile string, insecure bool) (*client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("session_url: %w", err)
	}
	// Skipping verification is the administrator's explicit choice.
	cfg := &tls.Config{InsecureSkipVerify: insecure}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("ssl_ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ssl_ca_file %s holds no PEM certificate", caFile)
		}
		cfg.RootCAs = pool
	}
	// No proxy from the environment: fencing goes straight to the pool.
	transport := &http.Transport{TLSClientConfig: cfg}
	return &client{url: u, http: &http.Client{Transport: transport}}, nil
}

// call sends one XML-RPC request and unwraps XenAPI's Status/Value.
func (c *client) call(ctx context.Context, method string, params ...any) (any, error) {
	var body bytes.Buffer
	if err := xmlrpc.EncodeCall(&body, method, params...); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url.String(), &body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %s did not answer in time", method, c.url.Host)
		}
		// The url.Error text holds the URL, which holds no secret.
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("%s: HTTP %s from %s", method, resp.Status, c.url.Host)
	}
	result, err := xmlrpc.DecodeResponse(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	m, ok := result.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: the answer is not a XenAPI result", method)
	}
	if m["Status"] == "Success" {
		return m["Value"], nil
	}
	desc, _ := m["ErrorDescription"].([]any)
	e := &apiError{Code: "UNKNOWN"}
	for i, d := range desc {
		s := fmt.Sprint(d)
		if i == 0 {
			e.Code = s
		} else {
			e.Args = append(e.Args, s)
		}
	}
	return nil, e
}

// login opens a session. A pool slave answers HOST_IS_SLAVE with the
// master's address: log in there instead, with the same scheme, port and
// certificate checks (the master's certificate must name that address).
func (c *client) login(ctx context.Context, user, password string) error {
	c.user, c.password = user, password
	for redirects := 0; ; redirects++ {
		v, err := c.call(ctx, "session.login_with_password", user, password, "1.0", "qvd-ha fence_qvd_xenapi")
		if e, ok := isAPIError(err, "HOST_IS_SLAVE"); ok && len(e.Args) > 0 && redirects == 0 {
			master := e.Args[0]
			if port := c.url.Port(); port != "" {
				master = net.JoinHostPort(master, port)
			} else if strings.Contains(master, ":") {
				master = "[" + master + "]"
			}
			c.url.Host = master
			continue
		}
		if err != nil {
			return fmt.Errorf("log in to %s as %s: %w", c.url.Host, user, err)
		}
		ref, ok := v.(string)
		if !ok {
			return fmt.Errorf("log in to %s: no session reference in the answer", c.url.Host)
		}
		c.session = ref
		return nil
	}
}

// logout ends the session: xapi caps sessions per user, and fence_xenapi's
// habit of never logging out pushes other clients' sessions out.
func (c *client) logout(ctx context.Context) error {
	if c.session == "" {
		return nil
	}
	_, err := c.call(ctx, "session.logout", c.session)
	c.session = ""
	return err
}

// do calls a method with the session, logging in again once when the
// session has expired.
func (c *client) do(ctx context.Context, method string, params ...any) (any, error) {
	v, err := c.call(ctx, method, append([]any{c.session}, params...)...)
	if _, ok := isAPIError(err, "SESSION_INVALID"); ok {
		if err := c.login(ctx, c.user, c.password); err != nil {
			return nil, err
		}
		v, err = c.call(ctx, method, append([]any{c.session}, params...)...)
	}
	return v, err
}

// missingVM: no VM has that name label or UUID.
type missingVM struct{ plug string }

func (e *missingVM) Error() string { return fmt.Sprintf("no VM has the name label or UUID %q", e.plug) }

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// vmRecord is what fencing needs of a VM.
type vmRecord struct {
	Ref, UUID, Name, PowerState string
	Template, ControlDomain     bool
}

func toRecord(ref string, v any) vmRecord {
	m, _ := v.(map[string]any)
	s := func(k string) string { x, _ := m[k].(string); return x }
	b := func(k string) bool { x, _ := m[k].(bool); return x }
	return vmRecord{Ref: ref, UUID: s("uuid"), Name: s("name_label"), PowerState: s("power_state"),
		Template: b("is_a_template"), ControlDomain: b("is_control_domain")}
}

// findVM resolves a plug, a UUID or a name label, to a fenceable VM.
func (c *client) findVM(ctx context.Context, plug string) (vmRecord, error) {
	var ref string
	if uuidPattern.MatchString(plug) {
		v, err := c.do(ctx, "VM.get_by_uuid", strings.ToLower(plug))
		if err != nil {
			if _, ok := isAPIError(err, "UUID_INVALID"); ok {
				return vmRecord{}, &missingVM{plug}
			}
			return vmRecord{}, fmt.Errorf("VM %s: %w", plug, err)
		}
		ref, _ = v.(string)
	} else {
		v, err := c.do(ctx, "VM.get_by_name_label", plug)
		if err != nil {
			return vmRecord{}, fmt.Errorf("VM %s: %w", plug, err)
		}
		refs, _ := v.([]any)
		switch len(refs) {
		case 0:
			return vmRecord{}, &missingVM{plug}
		case 1:
			ref, _ = refs[0].(string)
		default:
			return vmRecord{}, fmt.Errorf("%d VMs are named %q: use the VM's UUID as plug", len(refs), plug)
		}
	}
	v, err := c.do(ctx, "VM.get_record", ref)
	if err != nil {
		return vmRecord{}, fmt.Errorf("VM %s: %w", plug, err)
	}
	vm := toRecord(ref, v)
	if vm.Template || vm.ControlDomain {
		return vmRecord{}, fmt.Errorf("%q is a template or the control domain, never a fencing target", plug)
	}
	return vm, nil
}

// vms lists every fenceable VM, sorted by name.
func (c *client) vms(ctx context.Context) ([]vmRecord, error) {
	v, err := c.do(ctx, "VM.get_all_records")
	if err != nil {
		return nil, fmt.Errorf("list VMs: %w", err)
	}
	all, _ := v.(map[string]any)
	var list []vmRecord
	for ref, rec := range all {
		if vm := toRecord(ref, rec); !vm.Template && !vm.ControlDomain {
			list = append(list, vm)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, nil
}
