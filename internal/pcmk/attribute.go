package pcmk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// SetPromotionScore sets the promotion score, on this node, of the
// resource instance named by OCF_RESOURCE_INSTANCE, which an agent
// inherits from the executor: crm_attribute -p (Pacemaker >= 2.1), or
// crm_master on older versions.
func (p Tools) SetPromotionScore(ctx context.Context, score int) error {
	v := strconv.Itoa(score)
	return p.promotion(ctx, []string{"-p", "-v", v}, []string{"-l", "reboot", "-v", v})
}

// DeletePromotionScore removes that promotion score, so that the scheduler
// does not promote the instance on this node.
func (p Tools) DeletePromotionScore(ctx context.Context) error {
	return p.promotion(ctx, []string{"-p", "-D"}, []string{"-l", "reboot", "-D"})
}

func (p Tools) promotion(ctx context.Context, modern, legacy []string) error {
	_, err := p.run(ctx, CrmAttribute, modern...)
	var exit *runner.ExitError
	if errors.As(err, &exit) && unknownOption(exit.Stderr) {
		// Pacemaker before 2.1 has no --promotion.
		_, err = p.run(ctx, CrmMaster, legacy...)
	}
	if err != nil {
		return fmt.Errorf("promotion score: %w", err)
	}
	return nil
}

// unknownOption recognises the complaint of a tool that lacks an option:
// glib's, getopt's short and long spellings.
func unknownOption(stderr string) bool {
	s := strings.ToLower(stderr)
	return strings.Contains(s, "unknown option") || strings.Contains(s, "invalid option") || strings.Contains(s, "unrecognized option")
}

// PromotionScore is rsc's promotion score on node as the CIB holds it;
// set is false when the node has none.
func (p Tools) PromotionScore(ctx context.Context, rsc, node string) (score string, set bool, err error) {
	// crm_attribute -G -q prints the bare value; the XML would say no more.
	res, err := p.run(ctx, CrmAttribute, "--promotion="+rsc, "--node", node, "--query", "--quiet")
	var exit *runner.ExitError
	if errors.As(err, &exit) && strings.Contains(exit.Stderr, "No such device or address") {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("promotion score of %s on %s: %w", rsc, node, err)
	}
	return strings.TrimSpace(string(res.Stdout)), true, nil
}

// SetProperty sets a cluster property (crm_config: maintenance-mode,
// stop-all-resources, ...).
func (p Tools) SetProperty(ctx context.Context, name, value string) error {
	if _, err := p.run(ctx, CrmAttribute, "--type", "crm_config", "--name", name, "--update", value); err != nil {
		return fmt.Errorf("cluster property %s=%s: %w", name, value, err)
	}
	return nil
}
