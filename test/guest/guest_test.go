package guest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseResponse(t *testing.T) {
	r, match, err := parseResponse("R 7 3 b3V0Cg== ", "7")
	if err != nil || !match {
		t.Fatalf("parseResponse: match=%v err=%v", match, err)
	}
	if r.rc != 3 || r.stdout != "out\n" || r.stderr != "" {
		t.Errorf("got %+v, want rc 3, stdout \"out\\n\", empty stderr", r)
	}
	if _, match, _ := parseResponse("R 6 0  ", "7"); match {
		t.Error("an answer to request 6 was taken for request 7")
	}
	if _, match, _ := parseResponse("garbage", "7"); match {
		t.Error("garbage was taken for an answer")
	}
}

func TestModuleLoadOrder(t *testing.T) {
	dir := t.TempDir()
	dep := "kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko\n" +
		"kernel/lib/crc16.ko:\nkernel/fs/mbcache.ko:\nkernel/fs/jbd2/jbd2.ko:\n" +
		"kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko\n" +
		"kernel/drivers/virtio/virtio_ring.ko:\n"
	if err := os.WriteFile(filepath.Join(dir, "modules.dep"), []byte(dep), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "modules.builtin"), []byte("kernel/drivers/virtio/virtio.ko\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := moduleLoadOrder(dir, []string{"virtio", "virtio_blk", "ext4"})
	if err != nil {
		t.Fatal(err)
	}
	want := "kernel/drivers/virtio/virtio_ring.ko kernel/drivers/block/virtio_blk.ko " +
		"kernel/fs/jbd2/jbd2.ko kernel/fs/mbcache.ko kernel/lib/crc16.ko kernel/fs/ext4/ext4.ko"
	if strings.Join(got, " ") != want {
		t.Errorf("load order\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if _, err := moduleLoadOrder(dir, []string{"nosuch"}); err == nil {
		t.Error("a module that does not exist was accepted")
	}
}
