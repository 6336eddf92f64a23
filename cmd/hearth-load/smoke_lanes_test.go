//go:build !chat

package main

// Without the group chat only the baseline lane can run.
const smokeLanes = "baseline"
