#!/bin/bash
# Starts libvirtd (with virtlogd) by hand on a Debian 12 machine without
# systemd, as root, for the fence agent's integration tests. Idempotent: does
# nothing when libvirtd already answers.
#
# libvirtd also listens on 127.0.0.1:16509 without authentication so that
# qemu+tcp://127.0.0.1/system can be tested. Loopback only.
set -euo pipefail

answers() { timeout 5 virsh -c qemu:///system version >/dev/null 2>&1; }

if answers; then
	exit 0
fi

# The qemu driver runs guests as libvirt-qemu:libvirt-qemu (Debian's build
# default) and wants the kvm group; without them it refuses to start.
getent group kvm >/dev/null || groupadd --system kvm
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
