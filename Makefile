# qvd-ha: build, install, test. See README.md.

GO       ?= $(shell command -v go || echo /usr/local/go/bin/go)
PREFIX   ?= /usr
DESTDIR  ?=
# VERSION-RELEASE of the SLES packages (rpm/version.sh), computed once: the
# binaries report what `rpm -q` says of the package that holds them.
VERSION  ?= $(eval VERSION := $$(shell bash rpm/version.sh || echo 0.0.0-0))$(VERSION)
# -trimpath for reproducible paths; no -s -w so that distributions can
# produce debuginfo packages.
GOFLAGS_BUILD ?= -trimpath -ldflags "-X main.version=$(VERSION)"

OCFDIR   := $(PREFIX)/lib/ocf/resource.d/qvd
SBINDIR  := $(PREFIX)/sbin
MANDIR   := $(PREFIX)/share/man
UNITDIR  := $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc

# binary name = source directory
AGENTS := pgsql=agents/pgsql drbd=agents/drbd IPaddr=agents/ipaddr
FENCE  := fence_qvd_libvirt=fence/libvirt fence_qvd_xenapi=fence/xenapi
TOOLS  := qvd-ha-bootstrap=bootstrap qvd-ha=bootstrap/ops

# Test files that need root (namespaces, loop devices, libvirtd, PostgreSQL
# as postgres, binaries installed under /usr) carry the build tag root:
# every target that builds tests here sets it; `go test ./...` as an
# ordinary user leaves those files out and runs the rest.
TESTTAGS ?= -tags root

bin = $(firstword $(subst =, ,$1))
src = $(lastword $(subst =, ,$1))

.PHONY: all build man completion install programs test test-unprivileged test-drbd test-guests bench lint services generate demo demo-status demo-down demo-pgsql clean

all: build man completion

# Static binaries: an agent starts on every monitor, and a static one starts
# faster and needs nothing from the system's libc.
build: export CGO_ENABLED = 0
build:
	@mkdir -p bin
	$(foreach a,$(AGENTS) $(FENCE) $(TOOLS),$(GO) build $(GOFLAGS_BUILD) -o bin/$(call bin,$a) ./$(call src,$a) &&) true

man: build
	@mkdir -p man
	$(foreach a,$(AGENTS),bin/$(call bin,$a) manpage > man/ocf_qvd_$(call bin,$a).7 &&) true
	$(foreach a,$(FENCE),bin/$(call bin,$a) -o manpage > man/$(call bin,$a).8 &&) true
	$(foreach a,$(TOOLS),bin/$(call bin,$a) manpage > man/$(call bin,$a).8 &&) true

# bash completion, one script per administrator's binary, printed by the
# binary itself: it names no command or option, the binary lists them.
completion: build
	@mkdir -p completion
	$(foreach a,$(TOOLS),bin/$(call bin,$a) completion bash > completion/$(call bin,$a) &&) true

install: build man completion
	install -d $(DESTDIR)$(OCFDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8
	$(foreach a,$(AGENTS),install -m 0755 bin/$(call bin,$a) $(DESTDIR)$(OCFDIR)/ &&) true
	$(foreach a,$(FENCE) $(TOOLS),install -m 0755 bin/$(call bin,$a) $(DESTDIR)$(SBINDIR)/ &&) true
	$(foreach a,$(AGENTS),install -m 0644 man/ocf_qvd_$(call bin,$a).7 $(DESTDIR)$(MANDIR)/man7/ &&) true
	$(foreach a,$(FENCE) $(TOOLS),install -m 0644 man/$(call bin,$a).8 $(DESTDIR)$(MANDIR)/man8/ &&) true
	install -d $(DESTDIR)$(PREFIX)/share/qvd-ha/crm
	install -m 0644 crm/qvd-ha.crm crm/qvd-ha.xml $(DESTDIR)$(PREFIX)/share/qvd-ha/crm/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	$(foreach a,$(TOOLS),install -m 0644 completion/$(call bin,$a) $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ &&) true
	install -d $(DESTDIR)$(UNITDIR)
	install -m 0644 bootstrap/systemd/*.service bootstrap/systemd/*.timer $(DESTDIR)$(UNITDIR)/
	# the sample configuration, never over an administrator's own
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/qvd-ha
	test -e $(DESTDIR)$(SYSCONFDIR)/qvd-ha/bootstrap.conf || \
	  install -m 0600 bootstrap/qvd-ha.conf $(DESTDIR)$(SYSCONFDIR)/qvd-ha/bootstrap.conf

# The services tests use: libvirtd (started by hand, no systemd needed).
services:
	bash test/libvirtd.sh

# Every test, including those that need root (tagged root: they fail, not
# skip, without it), and the DRBD tier in qemu guests (test/drbd). The agents are
# installed first: crmsh and Pacemaker only see installed agents. The two
# cluster tiers run alone afterwards, one after the other: the namespace
# cluster (test/cluster) freezes libvirtd and fences through it, which the
# fence agent's tests must not see, and both clusters' timings need the CPU.
test: programs lint services install
	$(GO) test $(TESTTAGS) -count=1 -timeout 30m $$($(GO) list ./... | grep -v -e '/test/cluster$$' -e '/test/guestcluster$$')
	$(GO) test $(TESTTAGS) -count=1 -timeout 30m -v ./test/cluster/
	$(GO) test $(TESTTAGS) -count=1 -timeout 30m -v ./test/guestcluster/

# The tests that need no root, as an ordinary user would run them (the
# root-tagged files left out); no services, nothing installed.
test-unprivileged:
	$(GO) test -count=1 ./...

# Every program the agents, the bootstrap and the tests run is here, or the
# Debian package to install is named (test/programs/programs.txt).
programs:
	@bash test/programs/check.sh

# The real DRBD 8.4 tier alone: two qemu guests (image cached in
# /var/cache/qvd-ha/guest).
test-drbd:
	$(GO) test $(TESTTAGS) -count=1 -timeout 30m -v ./test/drbd/

# The runbook stack in two libvirt qemu guests: real DRBD under
# Pacemaker, fenced through the host's libvirtd (part of make test).
test-guests: services install
	$(GO) test $(TESTTAGS) -count=1 -timeout 30m -v ./test/guestcluster/

# Agents: 30 monitor calls each; ocf:qvd:drbd vs ocf:linbit:drbd inside a
# qemu guest (20 calls each, one guest boot). Fencing: 3 rounds (a qemu destroy takes
# about 1.4 s, fence_virsh over ssh about 1.2 s a status). The cluster's
# failover figures: 5 runs each of postgres killed, node powered off,
# planned migration (about 10 minutes); in the qemu guests, 3 power-offs of
# the Promoted node with DRBD (about 15 minutes).
bench:
	$(GO) test $(TESTTAGS) -run '^$$' -bench . -benchtime 30x ./agents/...
	$(GO) test $(TESTTAGS) -run '^$$' -bench . -benchtime 3x ./fence/...
	$(GO) test $(TESTTAGS) -run '^$$' -bench . -benchtime 1x ./test/drbd/
	$(GO) test $(TESTTAGS) -run '^$$' -bench Failover -benchtime 1x -timeout 60m ./test/cluster/
	$(GO) test $(TESTTAGS) -run '^$$' -bench Status -benchtime 20x -timeout 30m ./test/cluster/
	$(GO) test $(TESTTAGS) -run '^$$' -bench GuestFailover -benchtime 1x -timeout 60m ./test/guestcluster/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet $(TESTTAGS) ./...

# The main job: a two-node cluster on this machine (network namespaces),
# running the CIB qvd-ha-bootstrap writes on the installed agents, fenced
# through libvirtd. bin/qvd-ha-demo drives it by hand (see its output).
demo: install services
	$(GO) build -o bin/qvd-ha-demo ./test/cluster/demo
	bin/qvd-ha-demo up

# Exit status 0 only when the database group is started.
demo-status:
	@$(GO) build -o bin/qvd-ha-demo ./test/cluster/demo
	@bin/qvd-ha-demo status

# Removes every namespace, power domain, mount, loop device and process.
demo-down:
	@$(GO) build -o bin/qvd-ha-demo ./test/cluster/demo
	bin/qvd-ha-demo down

# ocf:qvd:pgsql alone, driven by Pacemaker's own tools against a private
# PostgreSQL.
demo-pgsql: install
	bash test/demo-pgsql.sh

# crm/ and the sample config, from the bootstrap's defaults.
generate:
	$(GO) generate ./bootstrap

clean:
	rm -rf bin man completion

include rpm/rpm.mk
