package guest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Image is a built guest image in the cache. Guests share its files
// read-only.
type Image struct {
	Kernel  string // vmlinuz
	Initrd  string // busybox initramfs with the guest's init
	Root    string // ext4 root, opened by every guest with snapshot=on
	Release string // kernel release, e.g. 6.1.0-56-amd64
}

// buildTimeout bounds a first build: debootstrap from the mirror is the
// slow part (minutes).
const buildTimeout = 20 * time.Minute

// EnsureImage returns the cached image, building what is missing first, and
// logs how long that took. It fails the test when the image cannot be built.
func EnsureImage(t testing.TB) *Image {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	img, err := Build(ctx, cacheDir(), t.Logf)
	if err != nil {
		t.Fatalf("guest image: %v", err)
	}
	return img
}

// Build makes sure dir holds the image for the current recipe and returns
// it. It takes two stages, each cached under its own key: the root (with
// the kernel) and the initramfs (with the guest's init), so that changing
// the init does not re-run debootstrap. Concurrent callers, even in other
// processes, wait for one build.
func Build(ctx context.Context, dir string, logf func(format string, args ...any)) (*Image, error) {
	lock, err := lockFile(filepath.Join(dir, "build.lock"))
	if err != nil {
		return nil, err
	}
	defer lock.Close()

	pkg, err := kernelPackage(ctx)
	if err != nil {
		return nil, err
	}
	rootKey, err := recipeHash(rootRecipe, pkg)
	if err != nil {
		return nil, err
	}
	rootDir := filepath.Join(dir, "root-"+rootKey)
	if err := buildOnce(rootDir, logf, "root image ("+pkg+")", func(tmp string) error {
		release, err := unpackKernel(ctx, pkg, tmp)
		if err != nil {
			return err
		}
		tree := filepath.Join(tmp, "tree")
		if err := os.WriteFile(filepath.Join(tmp, "release"), []byte(release), 0o644); err != nil {
			return fmt.Errorf("record kernel release: %w", err)
		}
		return buildRoot(ctx, tmp, tree, release)
	}); err != nil {
		return nil, err
	}
	release, err := os.ReadFile(filepath.Join(rootDir, "release"))
	if err != nil {
		return nil, fmt.Errorf("read cached kernel release: %w", err)
	}
	img := &Image{
		Kernel:  filepath.Join(rootDir, "tree/boot/vmlinuz-"+string(release)),
		Root:    filepath.Join(rootDir, "root.img"),
		Release: string(release),
	}

	busybox, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return nil, fmt.Errorf("busybox-static is needed on the host: %w", err)
	}
	sum := sha256.Sum256(busybox)
	bootKey, err := recipeHash(bootRecipe, rootKey, hex.EncodeToString(sum[:]))
	if err != nil {
		return nil, err
	}
	bootDir := filepath.Join(dir, "boot-"+bootKey)
	if err := buildOnce(bootDir, logf, "initramfs", func(tmp string) error {
		return buildInitrd(ctx, filepath.Join(rootDir, "tree"), img.Release, filepath.Join(tmp, "initrd.gz"))
	}); err != nil {
		return nil, err
	}
	img.Initrd = filepath.Join(bootDir, "initrd.gz")
	return img, nil
}

// buildOnce runs build into a scratch directory and renames it to final, so
// that a cache entry exists only when it is complete.
func buildOnce(final string, logf func(string, ...any), what string, build func(tmp string) error) error {
	if _, err := os.Stat(final); err == nil {
		return nil
	}
	tmp := final + ".building"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("clear %s: %w", tmp, err)
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	start := time.Now()
	logf("building guest %s in %s", what, final)
	if err := build(tmp); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("build guest %s: %w", what, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("install %s: %w", final, err)
	}
	logf("built guest %s in %s", what, time.Since(start).Round(time.Second))
	return nil
}
