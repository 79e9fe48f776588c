package guest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// SlotsEnv overrides defaultSlots.
const SlotsEnv = "QVD_GUEST_SLOTS"

// defaultSlots caps the guests running at once on the machine, across test
// processes: go test runs packages in parallel, and a TCG guest keeps a core
// busy while it boots.
const defaultSlots = 2

// acquireSlots blocks until n guest slots are free and holds them until
// the files are closed. Only the holder of the admission lock ever waits for
// a slot, and slot holders never wait, so waiting cannot deadlock.
func acquireSlots(n int) ([]*os.File, error) {
	max := defaultSlots
	if v := os.Getenv(SlotsEnv); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 1 {
			return nil, fmt.Errorf("%s=%q: want a positive number", SlotsEnv, v)
		}
		max = m
	}
	if n > max {
		return nil, fmt.Errorf("%d guests at once, but only %d slots (%s)", n, max, SlotsEnv)
	}
	dir := filepath.Join(cacheDir(), "slots")
	admit, err := lockFile(filepath.Join(dir, "admit.lock"))
	if err != nil {
		return nil, err
	}
	defer admit.Close()
	var held []*os.File
	mine := map[int]bool{}
	release := func() {
		for _, f := range held {
			f.Close()
		}
	}
	// Free slots first; then wait for busy ones in a fixed order. (flock
	// locks belong to the open file, so a slot already held must be skipped
	// or we would wait for ourselves.)
	for _, block := range []bool{false, true} {
		for i := 0; i < max && len(held) < n; i++ {
			if mine[i] {
				continue
			}
			f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("slot%d.lock", i)), os.O_CREATE|os.O_RDWR, 0o644)
			if err != nil {
				release()
				return nil, fmt.Errorf("open guest slot: %w", err)
			}
			how := syscall.LOCK_EX
			if !block {
				how |= syscall.LOCK_NB
			}
			if err := syscall.Flock(int(f.Fd()), how); err != nil {
				f.Close()
				if errors.Is(err, syscall.EWOULDBLOCK) {
					continue
				}
				release()
				return nil, fmt.Errorf("lock guest slot: %w", err)
			}
			held = append(held, f)
			mine[i] = true
		}
	}
	return held, nil
}
