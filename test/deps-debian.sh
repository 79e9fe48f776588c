#!/bin/bash
# Installs what building and testing qvd-ha needs on a fresh Debian 12
# (bookworm) machine, as root. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(
	make git ca-certificates gcc
	postgresql                      # PostgreSQL 15: the database the pgsql agent manages
	resource-agents                 # ocf-tester, ra-api-1.dtd, metadata.rng, heartbeat agents to compare with
	pacemaker-cli-utils             # crm_resource, crm_attribute
	libxml2-utils                   # xmllint
	groff-base man-db               # man pages render
	iproute2 procps psmisc tcpdump  # namespaces and process tools for tests
	fence-agents                    # fence-agents' metadata.rng, fence_xenapi
	libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils
	openssh-server openssh-client   # fence_qvd_libvirt's qemu+ssh test runs its own sshd
	pacemaker corosync crmsh        # the namespace cluster, crm configure load, crm_simulate
	xfsprogs kmod                   # the cluster's shared disk (the Filesystem agent runs modprobe)
	systemd                         # systemd-analyze checks the shipped units and timers
	bsd-mailx                       # mail, which MailTo runs (with exim4's local delivery)
	drbd-utils                      # drbdadm for the bootstrap's DRBD configuration checks
	debootstrap busybox-static e2fsprogs cpio  # the qemu guest image of the DRBD tier
	rpm rpmlint createrepo-c zypper elfutils   # make rpm, rpmlint, and the zypper install test
)
# And the package of every program test/programs/programs.txt says the tests
# run (Go comes below).
while read -r program package needed _; do
	case $program in '' | '#'*) continue ;; esac
	if [ "$needed" = test ] && [ "$package" != golang-1.23-go ]; then
		packages+=("$package")
	fi
done <"$(dirname "$0")/programs/programs.txt"
apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"

# Go >= 1.24 (go.mod). Debian 12's golang is 1.19 and bookworm-backports
# stops at 1.23; go 1.23 fetches the toolchain go.mod names from the Go
# module proxy by itself (GOTOOLCHAIN=auto).
go_ok() {
	command -v go >/dev/null && go version | grep -Eq 'go1\.(2[4-9]|[3-9][0-9])'
}
if ! go_ok && [ -x /usr/local/go/bin/go ]; then
	export PATH=/usr/local/go/bin:$PATH
fi
if ! go_ok; then
	echo "deb http://deb.debian.org/debian bookworm-backports main" >/etc/apt/sources.list.d/bookworm-backports.list
	apt-get update
	apt-get install -y --no-install-recommends -t bookworm-backports golang-1.23-go
	ln -sf /usr/lib/go-1.23/bin/go /usr/local/bin/go
	GOTOOLCHAIN=auto go version
fi
