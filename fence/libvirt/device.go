package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/digitalocean/go-libvirt"

	"github.com/qvd-ha/qvd-ha/fence/fencing"
)

// closeWait bounds the polite goodbye to libvirtd before the socket is cut.
const closeWait = time.Second

type device struct {
	lv     *libvirt.Libvirt
	dialer *heldDialer
	where  string // the URI without password, for messages
	hosts  map[string]string
	order  []string // hostlist order, for list
}

func validate(o *fencing.Options) error {
	_, err := loadSettings(o)
	return err
}

func connect(ctx context.Context, o *fencing.Options) (fencing.Device, error) {
	s, err := loadSettings(o)
	if err != nil {
		return nil, err
	}
	d := &device{dialer: &heldDialer{inner: s.dialer}, where: s.hypervisor.Redacted(), hosts: s.hosts, order: s.order}
	d.lv = libvirt.NewWithDialer(d.dialer)
	if err := d.call(ctx, func() error { return d.lv.ConnectToURI(libvirt.RemoteURI(s.hypervisor)) }); err != nil {
		return nil, err
	}
	return d, nil
}

// call runs one go-libvirt call, which takes no context, under ctx: when ctx
// ends first the connection is closed, so the call and its goroutine end
// too, and the caller gets a reason instead of a hang.
func (d *device) call(ctx context.Context, fn func() error) error {
	deadline, hasDeadline := ctx.Deadline()
	limit := budget(deadline, hasDeadline)
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("libvirt %s: %w", d.where, err)
		}
		return nil
	case <-ctx.Done():
		d.dialer.kill()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("libvirt %s did not answer within %s", d.where, limit)
		}
		return fmt.Errorf("libvirt %s: %w", d.where, ctx.Err())
	}
}

func (d *device) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeWait)
	defer cancel()
	err := d.call(ctx, d.lv.Disconnect)
	d.dialer.kill()
	return err
}

// domain resolves a plug: a hostlist node maps to its domain, then a UUID
// is looked up as one, anything else by name.
func (d *device) domain(ctx context.Context, plug string) (libvirt.Domain, error) {
	name := plug
	if dom, ok := d.hosts[plug]; ok {
		name = dom
	}
	var dom libvirt.Domain
	err := d.call(ctx, func() error {
		var err error
		if id, ok := parseUUID(name); ok {
			dom, err = d.lv.DomainLookupByUUID(id)
		} else {
			dom, err = d.lv.DomainLookupByName(name)
		}
		return err
	})
	if libvirt.IsNotFound(err) {
		return dom, fmt.Errorf("domain %q: %w", name, fencing.ErrNoSuchPlug)
	}
	return dom, err
}

func (d *device) Status(ctx context.Context, plug string) (fencing.State, error) {
	dom, err := d.domain(ctx, plug)
	if err != nil {
		return fencing.Unknown, err
	}
	return d.state(ctx, dom)
}

func (d *device) state(ctx context.Context, dom libvirt.Domain) (fencing.State, error) {
	var st int32
	err := d.call(ctx, func() error {
		var err error
		st, _, err = d.lv.DomainGetState(dom, 0)
		return err
	})
	if libvirt.IsNotFound(err) {
		return fencing.Unknown, fmt.Errorf("domain %q: %w", dom.Name, fencing.ErrNoSuchPlug)
	}
	if err != nil {
		return fencing.Unknown, err
	}
	return powerState(libvirt.DomainState(st)), nil
}

// powerState maps libvirt's domain states. shutdown means "shutting down":
// the guest still runs, so it is ON until destroyed. crashed is OFF: a
// crashed guest executes nothing and writes nothing.
func powerState(s libvirt.DomainState) fencing.State {
	switch s {
	case libvirt.DomainRunning, libvirt.DomainBlocked, libvirt.DomainPaused,
		libvirt.DomainShutdown, libvirt.DomainPmsuspended:
		return fencing.On
	case libvirt.DomainShutoff, libvirt.DomainCrashed:
		return fencing.Off
	}
	return fencing.Unknown
}

func (d *device) On(ctx context.Context, plug string) error {
	dom, err := d.domain(ctx, plug)
	if err != nil {
		return err
	}
	return d.call(ctx, func() error { return d.lv.DomainCreate(dom) })
}

// Off destroys the domain. "Not running" is not an error: the runtime's
// verification decides.
func (d *device) Off(ctx context.Context, plug string) error {
	dom, err := d.domain(ctx, plug)
	if err != nil {
		return err
	}
	err = d.call(ctx, func() error { return d.lv.DomainDestroy(dom) })
	var lerr libvirt.Error
	if errors.As(err, &lerr) && lerr.Code == uint32(libvirt.ErrOperationInvalid) {
		return nil
	}
	if libvirt.IsNotFound(err) {
		return fmt.Errorf("domain %q: %w", dom.Name, fencing.ErrNoSuchPlug)
	}
	return err
}

// List shows every domain as name and UUID, or with hostlist the nodes this
// device fences and their domains.
func (d *device) List(ctx context.Context) ([]fencing.Outlet, error) {
	if len(d.order) > 0 {
		var out []fencing.Outlet
		for _, host := range d.order {
			st, err := d.Status(ctx, host)
			if err != nil && !errors.Is(err, fencing.ErrNoSuchPlug) {
				return nil, err
			}
			out = append(out, fencing.Outlet{ID: host, Alias: d.hosts[host], State: st})
		}
		return out, nil
	}
	var doms []libvirt.Domain
	err := d.call(ctx, func() error {
		var err error
		doms, _, err = d.lv.ConnectListAllDomains(1, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]fencing.Outlet, 0, len(doms))
	for _, dom := range doms {
		st, err := d.state(ctx, dom)
		if err != nil && !errors.Is(err, fencing.ErrNoSuchPlug) {
			return nil, err
		}
		out = append(out, fencing.Outlet{ID: dom.Name, Alias: formatUUID(dom.UUID), State: st})
	}
	return out, nil
}

func (d *device) Monitor(ctx context.Context) error {
	return d.call(ctx, func() error { _, err := d.lv.ConnectGetLibVersion(); return err })
}

func parseUUID(s string) (libvirt.UUID, bool) {
	var id libvirt.UUID
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 || (len(s) != 32 && len(s) != 36) {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return id, false
	}
	return id, true
}

func formatUUID(id libvirt.UUID) string {
	h := hex.EncodeToString(id[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
