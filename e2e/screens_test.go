package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// TestScreenshots saves screenshots of the group, account and admin pages at phone and
// desktop widths into the folder named by HEARTH_SCREENSHOTS, for a person to look at
// after a layout change. It asserts nothing and is skipped unless that variable is set.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("HEARTH_SCREENSHOTS")
	if dir == "" {
		t.Skip("set HEARTH_SCREENSHOTS=/some/dir to save screenshots")
	}
	app := handlerstest.New(t)
	tab := newPerson(t)
	var home []byte
	run(t, tab, "screenshot the home page logged out",
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(app.URL+"/"),
		chromedp.WaitVisible("main", chromedp.ByQuery),
		chromedp.CaptureScreenshot(&home),
	)
	if err := os.WriteFile(filepath.Join(dir, "home-phone.png"), home, 0o644); err != nil {
		t.Fatal(err)
	}
	adminInRoom(t, app, tab)
	postMessages(t, app, 30)
	moreSessions(t, app, 2)
	moreMembers(t, 3, app)

	for _, size := range []struct {
		name, scheme string
		w, h         int64
	}{{"phone", "light", 390, 844}, {"desktop", "light", 1280, 800}, {"phone-dark", "dark", 390, 844}} {
		for _, page := range []struct{ name, path, ready string }{
			{"group", "/groups/welcome", "#chat-body"},
			{"account", "/account", "#session-list"},
			{"admin", "/admin/users", "main table"},
		} {
			var view, full []byte
			run(t, tab, "screenshot "+page.name+" "+size.name,
				emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: size.scheme}}),
				chromedp.EmulateViewport(size.w, size.h),
				chromedp.Navigate(app.URL+page.path),
				chromedp.WaitVisible(page.ready, chromedp.ByQuery),
				chromedp.CaptureScreenshot(&view),
				chromedp.FullScreenshot(&full, 100),
			)
			base := filepath.Join(dir, page.name+"-"+size.name)
			if err := os.WriteFile(base+".png", view, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(base+"-full.png", full, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
