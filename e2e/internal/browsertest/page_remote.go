//go:build !js

package browsertest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// newRemotePage is NewPage for Firefox and WebKit.
func (b *Browser) newRemotePage(tb testing.TB, url string) *Page {
	tb.Helper()
	ctx, cancel := context.WithCancel(b.ctx)
	p := &Page{browser: b, ctx: ctx}
	openCtx, cancelOpen := context.WithTimeout(ctx, DefaultTimeout)
	defer cancelOpen()
	tab, err := b.remote.newTab(openCtx, p)
	if err != nil {
		cancel()
		tb.Fatalf("browsertest: opening a window: %v", b.explain(err))
	}
	p.tab = tab
	tb.Cleanup(func() {
		closeCtx, cancelClose := context.WithTimeout(ctx, 10*time.Second)
		defer cancelClose()
		if err := tab.close(closeCtx); err != nil && b.ctx.Err() == nil {
			tb.Logf("browsertest: closing the window: %v", err)
		}
		cancel()
	})
	// The load gets twice the usual bound: a first load in a fresh
	// Firefox took over 30s on the busy 2-core machine.
	navCtx, cancelNav := context.WithTimeout(ctx, 2*DefaultTimeout)
	defer cancelNav()
	if err := tab.navigate(navCtx, url); err != nil {
		tb.Fatalf("browsertest: loading %s: %v", url, b.explain(err))
	}
	p.checkLoaded(tb, url)
	return p
}

// pullConsole collects what a page without console events recorded since
// the last call. It is best effort: a page that is gone or busy for
// seconds keeps its lines.
func (p *Page) pullConsole() {
	r, ok := p.tab.(consoleRecorder)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	lines, err := r.drain(ctx)
	if err != nil {
		return
	}
	for _, l := range lines {
		p.recordLine(l[0]+": "+l[1], l[0] == "error" || l[0] == "assert" || l[0] == "exception")
	}
}

// Click clicks the first element that matches the CSS selector, with the
// DOM's click(): the same in every engine, without moving a pointer.
func (p *Page) Click(tb testing.TB, selector string) {
	tb.Helper()
	sel, _ := json.Marshal(selector)
	Eval[any](tb, p, `(() => {
		const el = document.querySelector(`+string(sel)+`);
		if (!el) throw new Error("no element matches " + `+string(sel)+`);
		el.focus();
		el.click();
	})()`)
}

// Type appends text to the value of the first input that matches the CSS
// selector and fires the input event, as typing does for frameworks that
// listen for it (Vue's v-model).
func (p *Page) Type(tb testing.TB, selector, text string) {
	tb.Helper()
	sel, _ := json.Marshal(selector)
	txt, _ := json.Marshal(text)
	Eval[any](tb, p, `(() => {
		const el = document.querySelector(`+string(sel)+`);
		if (!el) throw new Error("no element matches " + `+string(sel)+`);
		el.focus();
		el.value += `+string(txt)+`;
		el.dispatchEvent(new Event("input", {bubbles: true}));
	})()`)
}

// SetViewport sets the page's viewport to width × height CSS pixels, in
// every engine (in WebKit, the window's size: see webkitTab.setViewport).
func (p *Page) SetViewport(tb testing.TB, width, height int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, DefaultTimeout)
	defer cancel()
	var err error
	if p.tab != nil {
		err = p.tab.setViewport(ctx, width, height)
	} else {
		err = chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height)))
	}
	if err != nil {
		tb.Fatalf("browsertest: setting the viewport to %dx%d: %v", width, height, p.browser.explain(err))
	}
}
