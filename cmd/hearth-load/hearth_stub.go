//go:build !chat

package main

import (
	"context"
	"errors"
)

// Until the group chat lands on this branch the Hearth lane cannot provision groups.
type stubLane struct{ *baselineLane }

func newHearthLane(config, string, string) lane { return stubLane{&baselineLane{}} }

func (stubLane) Name() string { return "hearth" }
func (stubLane) Start(context.Context) error {
	return errors.New("hearth lane needs the group chat (build with -tags chat after merging it)")
}
