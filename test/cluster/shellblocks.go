package cluster

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// ShellBlock is one ```sh block of a Markdown text, as an administrator
// copies it; Name is its first line, a comment saying where it runs.
type ShellBlock struct {
	Name, Body string
}

// ShellBlocks reads the ```sh blocks of the Markdown file at path, the
// commands the cluster tiers run as written. Every fenced block must be
// one (a block of another kind would be text no test runs), and each must
// start with a "# " comment naming it.
func ShellBlocks(path string) ([]ShellBlock, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("shell blocks: %w", err)
	}
	var blocks []ShellBlock
	var cur []string
	in := false
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && line == "```sh":
			in, cur = true, nil
		case in && line == "```":
			in = false
			if len(cur) == 0 || !strings.HasPrefix(cur[0], "# ") {
				return nil, fmt.Errorf("%s: a block does not start with a comment saying where it runs: %q", path, cur)
			}
			blocks = append(blocks, ShellBlock{Name: cur[0], Body: strings.Join(cur, "\n") + "\n"})
		case in:
			cur = append(cur, line)
		case strings.HasPrefix(line, "```"):
			return nil, fmt.Errorf("%s: %q: only ```sh blocks are run; say what the block is", path, line)
		}
	}
	if in {
		return nil, fmt.Errorf("%s: a block is not closed", path)
	}
	return blocks, nil
}
