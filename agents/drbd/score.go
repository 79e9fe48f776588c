package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// scoreCacheMaxAge bounds how long a recurring monitor trusts the cache: a
// score an administrator deleted by hand comes back within it.
const scoreCacheMaxAge = 5 * time.Minute

// cachedScore is the promotion score this node last handed to attrd, and
// which attrd process took it. Pacemaker passes an agent nothing about the
// current score, and reading it back (crm_attribute -G) is itself a child
// process; attrd keeps a node's transient attributes for as long as it runs,
// so while the same attrd runs the score it holds is the one we gave it.
type cachedScore struct {
	Score int // 0: deleted
	Attrd attrdID
	At    time.Time
}

// attrdID tells one pacemaker-attrd process from any later one.
type attrdID struct {
	PID   int
	Start string // start time in clock ticks since boot, /proc/PID/stat field 22
}

// setScore sets this node's promotion score (0 removes it). Only a
// recurring monitor may skip crm_attribute, when the cache says attrd
// already holds this score: every other action writes, so a probe after a
// Pacemaker restart (attrd starts empty) always restores the score.
func (r *resource) setScore(ctx context.Context, score int) error {
	old, cached := r.readScoreCache()
	id, found := findAttrd(r.proc, old.Attrd.PID)
	if cached && found && r.req.Action == "monitor" && r.req.Interval > 0 &&
		old.Score == score && old.Attrd == id && time.Since(old.At) < scoreCacheMaxAge {
		return nil
	}
	var err error
	if score > 0 {
		err = ocf.SetPromotionScore(ctx, r.req, score)
	} else {
		err = ocf.DeletePromotionScore(ctx, r.req)
	}
	if err != nil || !found {
		r.dropScoreCache()
		return err
	}
	// attrd was identified before the write: if it restarted since, the
	// next monitor sees another process and writes again.
	r.writeScoreCache(cachedScore{Score: score, Attrd: id, At: time.Now()})
	return nil
}

// scoreCachePath is per resource, not per clone instance: the attribute
// crm_attribute -p writes is named after the resource.
func (r *resource) scoreCachePath() string {
	rsc, _, _ := strings.Cut(r.req.Instance, ":")
	return filepath.Join(r.cacheDir, rsc+".score")
}

func (r *resource) readScoreCache() (cachedScore, bool) {
	raw, err := os.ReadFile(r.scoreCachePath())
	if err != nil {
		return cachedScore{}, false
	}
	f := strings.Fields(string(raw))
	if len(f) != 4 {
		return cachedScore{}, false
	}
	var c cachedScore
	var at int64
	var errs [3]error
	c.Score, errs[0] = strconv.Atoi(f[0])
	c.Attrd.PID, errs[1] = strconv.Atoi(f[1])
	c.Attrd.Start = f[2]
	at, errs[2] = strconv.ParseInt(f[3], 10, 64)
	if errors.Join(errs[:]...) != nil {
		return cachedScore{}, false
	}
	c.At = time.Unix(at, 0)
	return c, true
}

// writeScoreCache is best effort: without a cache every monitor writes.
func (r *resource) writeScoreCache(c cachedScore) {
	path := r.scoreCachePath()
	data := fmt.Sprintf("%d %d %s %d\n", c.Score, c.Attrd.PID, c.Attrd.Start, c.At.Unix())
	if err := os.MkdirAll(r.cacheDir, 0o755); err != nil {
		r.log.Debugf("promotion score cache: %v", err)
		return
	}
	// Renamed into place: a monitor killed mid-write leaves no torn cache.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		r.log.Debugf("promotion score cache: %v", err)
		return
	}
	if err := os.Rename(tmp, path); err != nil {
		r.log.Debugf("promotion score cache: %v", err)
	}
}

func (r *resource) dropScoreCache() {
	if err := os.Remove(r.scoreCachePath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.log.Warnf("promotion score cache: %v", err)
	}
}

// findAttrd finds the running pacemaker-attrd, trying the process the cache
// names first, so that the usual case reads one file.
func findAttrd(proc string, hint int) (attrdID, bool) {
	if hint > 0 {
		if id, ok := readAttrd(proc, hint); ok {
			return id, true
		}
	}
	entries, err := os.ReadDir(proc)
	if err != nil {
		return attrdID{}, false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == hint {
			continue
		}
		if id, ok := readAttrd(proc, pid); ok {
			return id, true
		}
	}
	return attrdID{}, false
}

// readAttrd reads /proc/PID/stat: "PID (comm) state ppid ...", comm being
// at most 15 characters, which "pacemaker-attrd" fills exactly.
func readAttrd(proc string, pid int) (attrdID, bool) {
	raw, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "stat"))
	if err != nil {
		return attrdID{}, false
	}
	open, end := bytes.IndexByte(raw, '('), bytes.LastIndexByte(raw, ')')
	if open < 0 || end < open || string(raw[open+1:end]) != "pacemaker-attrd" {
		return attrdID{}, false
	}
	// After the comm: field 3 (state) onwards; starttime is field 22.
	f := strings.Fields(string(raw[end+1:]))
	if len(f) < 20 {
		return attrdID{}, false
	}
	return attrdID{PID: pid, Start: f[19]}, true
}
