package ocf

import (
	"context"

	"github.com/qvd-ha/qvd-ha/internal/pcmk"
)

// SetPromotionScore sets this instance's promotion score on this node
// (crm_attribute -p, or crm_master before Pacemaker 2.1), through the
// action's runner: both read the resource from OCF_RESOURCE_INSTANCE, which
// the agent inherited.
func SetPromotionScore(ctx context.Context, req *Request, score int) error {
	return pcmk.Tools{Run: req.Run}.SetPromotionScore(ctx, score)
}

// DeletePromotionScore removes this instance's promotion score on this node,
// so that the scheduler does not promote it here.
func DeletePromotionScore(ctx context.Context, req *Request) error {
	return pcmk.Tools{Run: req.Run}.DeletePromotionScore(ctx)
}
