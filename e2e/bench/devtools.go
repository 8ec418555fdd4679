//go:build !js

package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/performance"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// What the benchmark asks Chromium over DevTools: CPU time, garbage
// collection, heap size, version, page errors.

// enableCPUMetrics makes DevTools measure task durations in thread ticks,
// the CPU time of the renderer's main thread.
func enableCPUMetrics(tb testing.TB, p *browsertest.Page) {
	tb.Helper()
	onTarget(tb, p, "Performance.enable", func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, performance.Enable, performance.EnableParams{TimeDomain: performance.EnableTimeDomainThreadTicks})
		return err
	})
}

// mainThreadCPU is the renderer main thread's TaskDuration in seconds.
func mainThreadCPU(tb testing.TB, p *browsertest.Page) float64 {
	tb.Helper()
	var v float64
	found := false
	onTarget(tb, p, "Performance.getMetrics", func(ctx context.Context, t *chromedp.Target) error {
		m, err := cdp.Call(ctx, t, performance.GetMetrics, cdp.Empty{})
		for _, x := range m.Metrics {
			if x.Name == "TaskDuration" {
				v, found = x.Value, true
			}
		}
		return err
	})
	if !found {
		tb.Fatalf("bench: Performance.getMetrics has no TaskDuration")
	}
	return v
}

// onTarget runs f against the page's target with a bounded context.
func onTarget(tb testing.TB, p *browsertest.Page, what string, f func(ctx context.Context, t *chromedp.Target) error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx(), 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Func(f)); err != nil {
		tb.Fatalf("bench: %s: %v", what, err)
	}
}

func collectGarbage(tb testing.TB, p *browsertest.Page) {
	tb.Helper()
	onTarget(tb, p, "HeapProfiler.collectGarbage", func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, heapprofiler.CollectGarbage, cdp.Empty{})
		return err
	})
}

// heapUsed is the page's used JS heap from DevTools, which, unlike
// performance.memory, is exact and not rounded.
func heapUsed(tb testing.TB, p *browsertest.Page) float64 {
	tb.Helper()
	var used float64
	onTarget(tb, p, "Runtime.getHeapUsage", func(ctx context.Context, t *chromedp.Target) error {
		u, err := cdp.Call(ctx, t, cdpruntime.GetHeapUsage, cdp.Empty{})
		used = u.UsedSize
		return err
	})
	return used
}

func browserVersion(tb testing.TB, p *browsertest.Page) (product, v8 string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx(), 30*time.Second)
	defer cancel()
	c := chromedp.FromContext(p.Ctx())
	v, err := cdp.Call(ctx, c.Browser, browser.GetVersion, cdp.Empty{})
	if err != nil {
		tb.Fatalf("bench: Browser.getVersion: %v", err)
	}
	return v.Product, v.JsVersion
}

func pageErrors(p *browsertest.Page) []string {
	return p.ConsoleErrors()
}
