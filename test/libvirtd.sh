#!/bin/bash
# Starts libvirtd (with virtlogd) by hand on a Debian 12 machine without
# systemd, as root, for the fence agent's integration tests. Idempotent: does
# nothing when libvirtd already answers.
#
# libvirtd also listens on 127.0.0.1:16509 without authentication so that
# qemu+tcp://127.0.0.1/system can be tested. Loopback only.
set -euo pipefail

answers() { timeout 5 virsh -c qemu:///system version >/dev/null 2>&1; }

# The namespace cluster's power switch (test/cluster/power.go): libvirtd
# runs this hook synchronously on every qemu domain event; a domain with a
# switch in /run/qvd-ha/power gets the event passed on. libvirtd reads its
# hooks when it starts, so a new or changed hook means a restart.
hook=/etc/libvirt/hooks/qemu
hook_text='#!/bin/sh
# Installed by qvd-ha test/libvirtd.sh: hands qemu domain events to the
# namespace cluster power switch of the domain, if it has one. It must not
# call back into libvirt.
switch=/run/qvd-ha/power/$1
[ -x "$switch" ] || exit 0
exec "$switch" "$2" "$3" </dev/null'
if [ "$(cat "$hook" 2>/dev/null)" != "$hook_text" ]; then
	mkdir -p "$(dirname "$hook")"
	printf '%s\n' "$hook_text" >"$hook"
	chmod 0755 "$hook"
	if pid=$(pgrep -x libvirtd); then
		kill "$pid"
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
fi

# Debian's udev rule gives /dev/kvm to group kvm, mode 0660; without udev it
# stays root's alone. libvirt probes qemu's capabilities as root, with KVM,
# then finds KVM unusable for the libvirt-qemu user and throws the cached
# capabilities away on every define: 30-60 s of re-probing each time. (The
# tests' guests do not use KVM: they run under TCG.)
getent group kvm >/dev/null || groupadd --system kvm
if [ -c /dev/kvm ] && [ "$(stat -c %G:%a /dev/kvm)" != kvm:660 ]; then
	chgrp kvm /dev/kvm
	chmod 0660 /dev/kvm
fi

if answers; then
	exit 0
fi

# The qemu driver runs guests as libvirt-qemu:libvirt-qemu (Debian's build
# default) and wants the kvm group; without them it refuses to start.
getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
getent passwd libvirt-qemu >/dev/null ||
	useradd --system --gid libvirt-qemu --groups kvm --home-dir /var/lib/libvirt --no-create-home \
		--shell /usr/sbin/nologin libvirt-qemu

mkdir -p /var/log/libvirt /run/libvirt /var/lib/libvirt/qemu /var/cache/libvirt/qemu /run/qvd-ha

conf=/run/qvd-ha/libvirtd.conf
cat >"$conf" <<'EOF'
listen_tls = 0
listen_tcp = 1
listen_addr = "127.0.0.1"
auth_tcp = "none"
auth_unix_rw = "none"
unix_sock_group = "root"
EOF

pgrep -x virtlogd >/dev/null || virtlogd -d
# A libvirtd that runs but does not answer (stopped by a test) is left alone:
# starting a second one would fail on its pid file anyway.
pgrep -x libvirtd >/dev/null || libvirtd -d -l -f "$conf"

for _ in $(seq 1 240); do
	if answers; then
		exit 0
	fi
	sleep 0.5
done
echo "libvirtd.sh: libvirtd did not answer 'virsh -c qemu:///system version' within 120 s" >&2
exit 1
