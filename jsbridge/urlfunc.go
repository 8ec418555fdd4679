//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"time"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/internal/msgfmt"
	"github.com/wsbeat/wsbeat/internal/safejs"
)

// urlFunc asks the socket's port for the next URL. The port calls the
// page's function, awaits it, checks the URL, and calls back exactly once,
// by the timeout at the latest, so the single-use callback is always
// released. Its errors wrap errURLFunction.
func urlFunc(port safejs.Value) wsbeat.URLFunc {
	return func(ctx context.Context) (string, error) {
		type result struct {
			url string
			err error
		}
		ch := make(chan result, 1)
		var cb *jsFunc
		cb = newFunc(func(args []safejs.Value) (any, error) {
			defer cb.Release()
			r := result{err: errors.New("URL function gave no URL")}
			if len(args) >= 2 {
				if args[0].Type() == safejs.TypeString {
					msg, _ := args[0].String()
					r.err = errors.New(msg)
				} else if args[1].Type() == safejs.TypeString {
					r.url, _ = args[1].String()
					r.err = nil
				}
			}
			ch <- r
			return nil, nil
		})
		timeout := time.Second
		if d, ok := ctx.Deadline(); ok {
			timeout = time.Until(d)
		}
		if _, err := callJS(port, "resolveURL", timeout.Milliseconds(), cb.Value()); err != nil {
			cb.Release()
			return "", msgfmt.Wrap(errURLFunction, err.Error())
		}
		select {
		case r := <-ch:
			if r.err != nil {
				return "", msgfmt.Wrap(errURLFunction, r.err.Error())
			}
			return r.url, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}
