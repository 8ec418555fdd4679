//go:build !js

package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/coder/websocket"
)

// bidiConn is a WebDriver BiDi connection: commands with ids, answered in
// any order, and events pushed to onEvent. It is how the harness drives
// Firefox, which speaks BiDi natively (no geckodriver).
type bidiConn struct {
	ws *websocket.Conn

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan bidiMessage
	err     error // why the read loop ended; set once, before done closes
	done    chan struct{}

	onEvent func(method string, params json.RawMessage)
}

// bidiMessage is one message from the browser: an answer (id and type
// "success" or "error") or an event (method and params).
type bidiMessage struct {
	ID      *int64          `json:"id"`
	Type    string          `json:"type"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// dialBiDi connects to url and starts reading. onEvent is called on the
// reading goroutine, so it must not block or call back into the conn.
func dialBiDi(ctx context.Context, url string, onEvent func(string, json.RawMessage)) (*bidiConn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(-1) // a page can return a large value
	c := &bidiConn{ws: ws, pending: map[int64]chan bidiMessage{}, done: make(chan struct{}), onEvent: onEvent}
	go c.read()
	return c, nil
}

func (c *bidiConn) read() {
	var err error
	for {
		var b []byte
		_, b, err = c.ws.Read(context.Background())
		if err != nil {
			break
		}
		var m bidiMessage
		if err = json.Unmarshal(b, &m); err != nil {
			err = fmt.Errorf("undecodable BiDi message %.200q: %w", b, err)
			break
		}
		if m.ID == nil {
			if m.Method != "" && c.onEvent != nil {
				c.onEvent(m.Method, m.Params)
			}
			continue
		}
		c.mu.Lock()
		ch := c.pending[*m.ID]
		delete(c.pending, *m.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
	c.mu.Lock()
	c.err = fmt.Errorf("BiDi connection lost: %w", err)
	c.mu.Unlock()
	close(c.done)
}

// call sends method with params and decodes the answer's result into
// result (which may be nil). It returns the browser's error as an error.
func (c *bidiConn) call(ctx context.Context, method string, params, result any) error {
	if params == nil {
		params = struct{}{}
	}
	ch := make(chan bidiMessage, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return fmt.Errorf("%s: %w", method, err)
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}

	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		forget()
		return fmt.Errorf("%s: %w", method, err)
	}
	if err := c.ws.Write(ctx, websocket.MessageText, msg); err != nil {
		forget()
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Type == "error" {
			return fmt.Errorf("%s: %s: %s", method, m.Error, m.Message)
		}
		if result == nil {
			return nil
		}
		if err := json.Unmarshal(m.Result, result); err != nil {
			return fmt.Errorf("%s: decoding %.200q: %w", method, m.Result, err)
		}
		return nil
	case <-ctx.Done():
		forget()
		return fmt.Errorf("%s: %w", method, context.Cause(ctx))
	case <-c.done:
		c.mu.Lock()
		err := c.err
		c.mu.Unlock()
		return fmt.Errorf("%s: %w", method, err)
	}
}

func (c *bidiConn) close() error {
	err := c.ws.Close(websocket.StatusNormalClosure, "")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// remoteValue is a BiDi script.RemoteValue: a typed serialization of a JS
// value.
type remoteValue struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// plain turns a remote value into what JSON.stringify of the value would
// give, close enough for test results: undefined, functions and other
// handles become null, Maps and objects become objects, Sets arrays,
// non-finite numbers null, bigints and dates strings.
func (r remoteValue) plain() (any, error) {
	switch r.Type {
	case "undefined", "null", "":
		return nil, nil
	case "string", "boolean", "bigint", "date":
		var v any
		err := json.Unmarshal(r.Value, &v)
		return v, err
	case "number":
		var v any
		if err := json.Unmarshal(r.Value, &v); err != nil {
			return nil, err
		}
		switch v {
		case "NaN", "Infinity", "-Infinity":
			return nil, nil
		case "-0":
			return 0.0, nil
		}
		return v, nil
	case "array", "set":
		var items []remoteValue
		if len(r.Value) > 0 {
			if err := json.Unmarshal(r.Value, &items); err != nil {
				return nil, err
			}
		}
		out := make([]any, len(items))
		for i, it := range items {
			v, err := it.plain()
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case "object", "map":
		var pairs [][2]json.RawMessage
		if len(r.Value) > 0 {
			if err := json.Unmarshal(r.Value, &pairs); err != nil {
				return nil, err
			}
		}
		out := make(map[string]any, len(pairs))
		for _, kv := range pairs {
			var key string
			if json.Unmarshal(kv[0], &key) != nil {
				var k remoteValue
				if err := json.Unmarshal(kv[0], &k); err != nil {
					return nil, err
				}
				kp, err := k.plain()
				if err != nil {
					return nil, err
				}
				key = fmt.Sprint(kp)
			}
			var val remoteValue
			if err := json.Unmarshal(kv[1], &val); err != nil {
				return nil, err
			}
			v, err := val.plain()
			if err != nil {
				return nil, err
			}
			if val.Type == "undefined" || val.Type == "function" || val.Type == "symbol" {
				continue // JSON.stringify leaves these properties out
			}
			out[key] = v
		}
		return out, nil
	case "regexp", "error", "weakmap", "weakset", "arraybuffer", "typedarray", "proxy", "promise", "generator":
		return map[string]any{}, nil
	default: // function, symbol, node, window, ...
		return nil, nil
	}
}
