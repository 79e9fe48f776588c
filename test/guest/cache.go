package guest

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"syscall"
)

// CacheEnv overrides DefaultCacheDir.
const CacheEnv = "QVD_GUEST_CACHE"

// DefaultCacheDir is outside the repository so that every checkout and CI
// run on a machine shares one image.
const DefaultCacheDir = "/var/cache/qvd-ha/guest"

// The recipe's own source is part of the cache key: editing how the root
// or the initramfs is built rebuilds them, with nothing to remember to bump.
//
//go:embed packages.go rootfs.go kernel.go
var rootRecipe embed.FS

//go:embed initrd.go scripts
var bootRecipe embed.FS

func cacheDir() string {
	if d := os.Getenv(CacheEnv); d != "" {
		return d
	}
	return DefaultCacheDir
}

// recipeHash hashes every file of fs (in name order) and the extra inputs.
func recipeHash(fs embed.FS, extra ...string) (string, error) {
	h := sha256.New()
	var names []string
	var walk func(dir string) error
	walk = func(dir string) error {
		entries, err := fs.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			p := e.Name()
			if dir != "." {
				p = dir + "/" + p
			}
			if e.IsDir() {
				if err := walk(p); err != nil {
					return err
				}
				continue
			}
			names = append(names, p)
		}
		return nil
	}
	if err := walk("."); err != nil {
		return "", fmt.Errorf("list embedded recipe: %w", err)
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(n)
		if err != nil {
			return "", fmt.Errorf("read embedded recipe %s: %w", n, err)
		}
		fmt.Fprintf(h, "%s %d\n", n, len(b))
		h.Write(b)
	}
	for _, e := range extra {
		fmt.Fprintf(h, "extra %d\n%s", len(e), e)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// lockFile takes an exclusive flock on path, blocking until it is free; the
// lock goes away with the returned file (or the process).
func lockFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create lock directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}
