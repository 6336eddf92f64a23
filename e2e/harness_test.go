// Package e2e drives Hearth in a real headless Chromium (Debian's chromium, through chromedp)
// for the flows a person clicks through. Tests skip when Chromium is missing, except when
// HEARTH_REQUIRE_BROWSER=1 (set by .ci/run), so CI can never skip them silently.
package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser or skips (or fails, when a browser is required).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("HEARTH_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("HEARTH_REQUIRE_BROWSER") == "1" {
		t.Fatal("Chromium not found and HEARTH_REQUIRE_BROWSER=1: install Debian's chromium package")
	}
	t.Skip("Chromium not found; set HEARTH_REQUIRE_BROWSER=1 to make this a failure")
	return ""
}

// newPerson starts a headless Chromium of its own (own profile, own cookies), like a
// separate person on a separate device, and returns a tab context for it.
func newPerson(t *testing.T) context.Context {
	t.Helper()
	// Not t.TempDir: Chromium's helper processes may still be writing the profile for a
	// moment after the browser exits, which would fail the test on cleanup.
	profile, err := os.MkdirTemp("", "hearth-e2e-profile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1200, 900),
		// Chromium can take more than chromedp's default 20 s to start on a busy 2-core
		// machine running the race-enabled suite beside it.
		chromedp.WSURLReadTimeout(90 * time.Second),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	watchConsole(t, ctx)
	if err := chromedp.Run(ctx, cdplog.Enable()); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// watchConsole fails the test if a page logs an error or throws: a CSP violation (an inline
// script or style slipping in), a broken asset or a script error all show up here. Failed
// HTTP responses are left out; 4xx answers to bad input are expected.
func watchConsole(t *testing.T, ctx context.Context) {
	var mu sync.Mutex
	var errs []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.LevelError && e.Entry.Source != cdplog.SourceNetwork {
				errs = append(errs, string(e.Entry.Source)+": "+e.Entry.Text)
			}
		case *cdpruntime.EventExceptionThrown:
			errs = append(errs, "exception: "+e.ExceptionDetails.Error())
		}
	})
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if len(errs) > 0 {
			t.Errorf("browser console errors:\n%s", strings.Join(errs, "\n"))
		}
	})
}

// run executes browser actions and fails the test with what was being done.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(step, actions...); err != nil {
		var url, html string
		_ = chromedp.Run(ctx, chromedp.Location(&url), chromedp.OuterHTML("main", &html, chromedp.ByQuery, chromedp.AtLeast(0)))
		t.Fatalf("%s: %v\npage %s:\n%.3000s", what, err, url, html)
	}
}
