#!/bin/busybox sh
# PID 1 of the initramfs. Debian's kernel has virtio and ext4 as modules, so
# they are loaded here (in dependency order, from /modules.list) before the
# root disk can be mounted; then the guest's own init takes over.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do
	insmod "/modules/$m.ko" || echo "initrd: insmod $m failed"
done </modules.list
# TCG is slow: the disk shows up some time after virtio_blk is loaded.
i=0
while [ ! -b /dev/vda ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
# Read-write is safe: qemu opens the shared root image with snapshot=on, so
# every guest's writes go to its own throw-away overlay.
mount -t ext4 /dev/vda /newroot || { echo "initrd: cannot mount /dev/vda"; exec sh; }
# The guest's init lives in the initramfs so that changing it rebuilds only
# the initramfs, not the root image.
mkdir -p /newroot/usr/local/sbin
cp /qvd/qvd-init /qvd/qvd-guestd /newroot/usr/local/sbin/
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /usr/local/sbin/qvd-init
