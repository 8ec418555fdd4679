//go:build !js

package network

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// toxiServer is toxiproxy's server object, in-process: proxies are made
// from it directly, without its HTTP API.
var toxiServer = sync.OnceValue(func() *toxiproxy.ApiServer {
	// The toxics log through zerolog's global logger; the tests read
	// their own records instead.
	zerolog.SetGlobalLevel(zerolog.Disabled)
	return toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
})

// toxic is one toxiproxy proxy on 127.0.0.1 in front of an upstream.
type toxic struct {
	p *toxiproxy.Proxy
}

// newProxy starts a proxy to upstream on a free 127.0.0.1 port and stops
// it in Cleanup.
func newProxy(t *testing.T, name, upstream string) *toxic {
	t.Helper()
	p := toxiproxy.NewProxy(toxiServer(), name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatalf("toxiproxy %s: %v", name, err)
	}
	t.Cleanup(p.Stop)
	return &toxic{p: p}
}

// URL returns the ws: URL of path through the proxy.
func (x *toxic) URL(path string) string { return "ws://" + x.p.Listen + path }

// add adds a toxic of type typ named name on stream ("upstream" is client
// to server, "downstream" server to client) with attributes attrs.
func (x *toxic) add(t *testing.T, name, typ, stream string, toxicity float32, attrs map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "type": typ, "stream": stream, "toxicity": toxicity, "attributes": attrs})
	if _, err := x.p.Toxics.AddToxicJson(strings.NewReader(string(body))); err != nil {
		t.Fatalf("adding toxic %s: %v", body, err)
	}
}

// remove removes a toxic.
func (x *toxic) remove(t *testing.T, name string) {
	t.Helper()
	if err := x.p.Toxics.RemoveToxic(context.Background(), name); err != nil {
		t.Fatalf("removing toxic %s: %v", name, err)
	}
}

// streams returns the toxiproxy streams of a direction name.
func streams(dir string) []string {
	switch dir {
	case "both":
		return []string{"upstream", "downstream"}
	case "upstream", "downstream":
		return []string{dir}
	}
	panic(fmt.Sprintf("unknown direction %q", dir))
}
