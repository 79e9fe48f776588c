package ocf

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Paths of the Pacemaker tools the promotion helpers call. Tests replace the
// runner, not the paths.
const (
	CrmAttribute = "/usr/sbin/crm_attribute"
	CrmMaster    = "/usr/sbin/crm_master"
)

// SetPromotionScore sets this instance's promotion score on this node
// (crm_attribute -p, Pacemaker >= 2.1; crm_master on older versions). Both
// read the resource from OCF_RESOURCE_INSTANCE, which the agent inherited.
func SetPromotionScore(ctx context.Context, req *Request, score int) error {
	v := strconv.Itoa(score)
	return promotionCmd(ctx, req, []string{"-p", "-v", v}, []string{"-l", "reboot", "-v", v})
}

// DeletePromotionScore removes this instance's promotion score on this node,
// so that the scheduler does not promote it here.
func DeletePromotionScore(ctx context.Context, req *Request) error {
	return promotionCmd(ctx, req, []string{"-p", "-D"}, []string{"-l", "reboot", "-D"})
}

func promotionCmd(ctx context.Context, req *Request, modern, legacy []string) error {
	_, err := req.Run.Run(ctx, runner.Cmd{Path: CrmAttribute, Args: modern})
	var exit *runner.ExitError
	if errors.As(err, &exit) && unknownOption(exit.Stderr) {
		// Pacemaker before 2.1 has no --promotion.
		_, err = req.Run.Run(ctx, runner.Cmd{Path: CrmMaster, Args: legacy})
	}
	if err != nil {
		return fmt.Errorf("promotion score: %w", err)
	}
	return nil
}

func unknownOption(stderr string) bool {
	s := strings.ToLower(stderr)
	return strings.Contains(s, "unknown option") || strings.Contains(s, "invalid option") || strings.Contains(s, "unrecognized option")
}
