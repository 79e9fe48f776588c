package pcmk

import (
	"context"
	"fmt"
	"time"
)

// Move asks the cluster to run rsc on node: crm_resource --move, which
// adds the location constraint cli-prefer-<rsc> (INFINITY for node). The
// constraint expires after lifetime (rounded up to a whole second), so
// that a caller killed before its Clear leaves no preference in force for
// longer than that.
func (p Tools) Move(ctx context.Context, rsc, node string, lifetime time.Duration) error {
	secs := int64((lifetime + time.Second - 1) / time.Second)
	if secs < 1 {
		return fmt.Errorf("move %s to %s: lifetime %s is not positive", rsc, node, lifetime)
	}
	args := []string{"--move", "--resource", rsc, "--node", node, "--lifetime", fmt.Sprintf("PT%dS", secs)}
	if _, err := p.run(ctx, CrmResource, args...); err != nil {
		return fmt.Errorf("move %s to %s: %w", rsc, node, err)
	}
	return nil
}

// Clear removes the move and ban constraints crm_resource --move and
// --ban made for rsc that name node (cli-prefer-<rsc> preferring node,
// cli-ban-<rsc>-on-<node>), and no other: an administrator's ban of the
// other node stays. Nothing to remove is no error.
func (p Tools) Clear(ctx context.Context, rsc, node string) error {
	if _, err := p.run(ctx, CrmResource, "--clear", "--resource", rsc, "--node", node); err != nil {
		return fmt.Errorf("remove the move constraint of %s: %w", rsc, err)
	}
	return nil
}
