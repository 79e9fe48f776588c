package guest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// kernelPackage asks the host's apt which versioned image package the
// kernel meta-package currently stands for.
func kernelPackage(ctx context.Context) (string, error) {
	out, err := hostRun(ctx, "", "apt-cache", "depends", kernelMeta)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(out, "\n") {
		dep, ok := strings.CutPrefix(strings.TrimSpace(line), "Depends: ")
		if ok && strings.HasPrefix(dep, "linux-image-") {
			return dep, nil
		}
	}
	return "", fmt.Errorf("no linux-image dependency of %s in apt-cache output:\n%s", kernelMeta, out)
}

// unpackKernel downloads pkg and unpacks it into dir/tree; it returns the
// kernel release (the directory under lib/modules). The package is unpacked
// apart from the guest root because dpkg -x over a merged-/usr root would
// replace its lib -> usr/lib symlink with a directory.
func unpackKernel(ctx context.Context, pkg, dir string) (string, error) {
	if _, err := hostRun(ctx, dir, "apt-get", "download", pkg); err != nil {
		return "", err
	}
	debs, err := filepath.Glob(filepath.Join(dir, pkg+"_*.deb"))
	if err != nil || len(debs) != 1 {
		return "", fmt.Errorf("downloaded %s: want one .deb in %s, found %v (%v)", pkg, dir, debs, err)
	}
	tree := filepath.Join(dir, "tree")
	if _, err := hostRun(ctx, "", "dpkg", "-x", debs[0], tree); err != nil {
		return "", err
	}
	if err := os.Remove(debs[0]); err != nil {
		return "", fmt.Errorf("remove %s: %w", debs[0], err)
	}
	release := strings.TrimPrefix(pkg, "linux-image-")
	if _, err := os.Stat(filepath.Join(tree, "lib/modules", release, "modules.order")); err != nil {
		return "", fmt.Errorf("kernel package %s has no modules for %s: %w", pkg, release, err)
	}
	return release, nil
}
