//go:build !js

package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pollInterval is how often WaitFor re-evaluates its condition. It is
// polled from Go rather than from a page timer, so a throttled hidden tab
// cannot slow the polling down.
const pollInterval = 20 * time.Millisecond

// Eval evaluates expr in the page, awaits it when it is a promise, and
// decodes the result into T. It is bounded by DefaultTimeout and fails the
// test with the expression and the JavaScript error text.
func Eval[T any](tb testing.TB, p *Page, expr string) T {
	tb.Helper()
	v, err := EvalErr[T](p, expr, DefaultTimeout)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// EvalErr is Eval without the test: it returns the error, which names the
// expression, instead of failing. A timeout of zero or less means
// DefaultTimeout.
func EvalErr[T any](p *Page, expr string, timeout time.Duration) (T, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	var v T
	var err error
	if p.tab != nil {
		var raw json.RawMessage
		if raw, err = p.tab.eval(ctx, expr); err == nil {
			err = decodeResult(raw, &v)
		}
	} else {
		v, err = chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil && p.ctx.Err() == nil {
			err = fmt.Errorf("no result within %v: %w", timeout, err)
		}
		return v, fmt.Errorf("browsertest: evaluating %s: %w", expr, p.browser.explain(err))
	}
	return v, nil
}

// WaitFor polls the JavaScript boolean expression jsCond every 20ms until
// it is true, and fails the test with the expression when timeout passes
// first.
func WaitFor(tb testing.TB, p *Page, jsCond string, timeout time.Duration) {
	tb.Helper()
	if err := WaitForErr(p, jsCond, timeout); err != nil {
		tb.Fatal(err)
	}
}

// WaitForErr is WaitFor without the test: it returns an error that names
// the expression when timeout passes first. An expression that throws
// counts as false, so a test can wait for an object that does not exist
// yet; the last exception is in the timeout error.
func WaitForErr(p *Page, jsCond string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		ok, err := EvalErr[bool](p, jsCond, left)
		if err == nil && ok {
			return nil
		}
		if p.ctx.Err() != nil {
			return fmt.Errorf("browsertest: waiting for %s: %w", jsCond, p.browser.explain(p.ctx.Err()))
		}
		// A call cut short by the deadline says nothing about the page;
		// keep the error before it, which names what the page threw.
		if err != nil && (lastErr == nil || !errors.Is(err, context.DeadlineExceeded)) {
			lastErr = err
		}
		time.Sleep(min(pollInterval, max(time.Until(deadline), 0)))
	}
	if lastErr != nil {
		return fmt.Errorf("browsertest: %s not true within %v; last error: %w", jsCond, timeout, lastErr)
	}
	return fmt.Errorf("browsertest: %s not true within %v", jsCond, timeout)
}

// decodeResult decodes a remote engine's JSON result into v as chromedp
// does for Chromium: nothing for chromedp.Void, and an error for null or
// undefined when v cannot be nil. (JSON cannot tell undefined from null,
// so both give chromedp.ErrJSNull.)
func decodeResult[T any](raw json.RawMessage, v *T) error {
	if _, ok := any(v).(*chromedp.Void); ok {
		return nil
	}
	if string(raw) == "null" {
		switch reflect.TypeFor[T]().Kind() {
		case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		default:
			return chromedp.ErrJSNull
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decoding %.200s into %T: %w", raw, *v, err)
	}
	return nil
}
