package guest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// initrdModules are what it takes to mount the root disk and open the
// control port; their dependencies are added from modules.dep. crc32c is
// only a soft dependency of ext4 (requested at mount time, when there is no
// modprobe), so it is named here.
var initrdModules = []string{
	"virtio_pci", "virtio_blk", "virtio_net", "virtio_console",
	"crc32c_generic", "ext4",
}

// buildInitrd writes a gzip'd newc initramfs to out: static busybox, the
// modules in load order, and the guest's init scripts.
func buildInitrd(ctx context.Context, tree, release, out string) error {
	stage, err := os.MkdirTemp(filepath.Dir(out), "initrd-stage-")
	if err != nil {
		return fmt.Errorf("create initramfs staging directory: %w", err)
	}
	defer os.RemoveAll(stage)
	for _, d := range []string{"bin", "proc", "sys", "dev", "newroot", "modules", "qvd"} {
		if err := os.MkdirAll(filepath.Join(stage, d), 0o755); err != nil {
			return fmt.Errorf("create initramfs directory: %w", err)
		}
	}
	if _, err := hostRun(ctx, "", "cp", "/bin/busybox", filepath.Join(stage, "bin/busybox")); err != nil {
		return fmt.Errorf("busybox-static is needed on the host: %w", err)
	}
	scripts := map[string]string{
		"scripts/initrd-init.sh": "init",
		"scripts/qvd-init":       "qvd/qvd-init",
		"scripts/qvd-guestd":     "qvd/qvd-guestd",
	}
	for src, dst := range scripts {
		b, err := bootRecipe.ReadFile(src)
		if err != nil {
			return fmt.Errorf("read embedded %s: %w", src, err)
		}
		if err := os.WriteFile(filepath.Join(stage, dst), b, 0o755); err != nil {
			return fmt.Errorf("write %s into initramfs: %w", dst, err)
		}
	}
	modDir := filepath.Join(tree, "lib/modules", release)
	order, err := moduleLoadOrder(modDir, initrdModules)
	if err != nil {
		return err
	}
	var names []string
	for _, rel := range order {
		name := strings.TrimSuffix(filepath.Base(rel), ".ko")
		if _, err := hostRun(ctx, "", "cp", filepath.Join(modDir, rel), filepath.Join(stage, "modules", name+".ko")); err != nil {
			return err
		}
		names = append(names, name)
	}
	list := strings.Join(names, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(stage, "modules.list"), []byte(list), 0o644); err != nil {
		return fmt.Errorf("write modules.list: %w", err)
	}
	_, err = hostRun(ctx, stage, "sh", "-c",
		"find . -print0 | cpio --null --quiet -o -H newc -R 0:0 | gzip -1 >"+shellQuote(out))
	return err
}

// moduleLoadOrder returns the modules.dep paths of want and their
// dependencies, each after everything it depends on. Built-in modules are
// left out; a module that is neither a module nor built in is an error.
func moduleLoadOrder(modDir string, want []string) ([]string, error) {
	deps, err := readModulesDep(filepath.Join(modDir, "modules.dep"))
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(modDir, "modules.builtin"))
	if err != nil {
		return nil, fmt.Errorf("read modules.builtin: %w", err)
	}
	builtin := map[string]bool{}
	for _, line := range strings.Fields(string(b)) {
		builtin[moduleName(line)] = true
	}
	byName := map[string]string{}
	for path := range deps {
		byName[moduleName(path)] = path
	}
	var order []string
	seen := map[string]bool{}
	var add func(path string)
	add = func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		// modules.dep lists a module's dependencies so that loading
		// them from last to first works.
		d := deps[path]
		for i := len(d) - 1; i >= 0; i-- {
			add(d[i])
		}
		order = append(order, path)
	}
	for _, name := range want {
		path, ok := byName[name]
		if !ok {
			if builtin[name] {
				continue
			}
			return nil, fmt.Errorf("kernel module %s is neither in modules.dep nor built in", name)
		}
		add(path)
	}
	return order, nil
}

func readModulesDep(path string) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open modules.dep: %w", err)
	}
	defer f.Close()
	deps := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		mod, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		deps[mod] = strings.Fields(rest)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read modules.dep: %w", err)
	}
	return deps, nil
}

// moduleName is the name the kernel uses: file name without suffix, with
// dashes as underscores.
func moduleName(path string) string {
	return strings.ReplaceAll(strings.TrimSuffix(filepath.Base(path), ".ko"), "-", "_")
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
