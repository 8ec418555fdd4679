//go:build !js

package network

import (
	"os"
	"strings"
	"testing"

	"github.com/wsbeat/wsbeat/e2e/internal/hostile"
	"github.com/wsbeat/wsbeat/e2e/internal/nginxtest"
)

// TestNetwork runs every scenario in one browser. The timing-sensitive
// ones (detection bounds, backoff steps, spreads) run one at a time; the
// rest run in parallel pages, since their bounds are loose.
func TestNetwork(t *testing.T) {
	e := newEnv(t)

	t.Run("Toxiproxy", func(t *testing.T) {
		for _, dir := range []string{"both", "downstream", "upstream"} {
			t.Run("Blackhole_"+dir, func(t *testing.T) { testBlackhole(t, e, dir) })
		}
		t.Run("Latency", func(t *testing.T) { testLatency(t, e) })
	})
	t.Run("Restart", func(t *testing.T) {
		t.Run("SamePort", func(t *testing.T) { testRestart(t, e) })
		t.Run("Storm50", func(t *testing.T) { testStorm(t, e, 4000) })
		t.Run("Storm50_connectionTimeout10s", func(t *testing.T) { testStorm(t, e, 10000) })
	})

	t.Run("Parallel", func(t *testing.T) {
		// Without nginx (and outside CI) only the nginx scenarios skip.
		var ng *nginxtest.Nginx
		if _, err := nginxtest.Find(); err == nil || os.Getenv("CI") != "" {
			ng = startNginx(t, e)
		}
		withNginx := func(f func(t *testing.T, e *env, ng *nginxtest.Nginx)) func(t *testing.T) {
			return func(t *testing.T) {
				if ng == nil {
					nginxtest.Path(t)
				}
				f(t, e, ng)
			}
		}
		refused := func(scenario, path string) func(t *testing.T, e *env, ng *nginxtest.Nginx) {
			return func(t *testing.T, e *env, ng *nginxtest.Nginx) { testRefused(t, e, scenario, ng.URL(path)) }
		}
		parallel := func(name string, f func(t *testing.T)) {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f(t)
			})
		}
		parallel("Nginx_Heartbeat", withNginx(testNginxHeartbeat))
		parallel("Nginx_ClientSendsOnly", withNginx(testNginxClientOnly))
		parallel("Nginx_HeartbeatOff", withNginx(testNginxHeartbeatOff))
		parallel("Nginx_403", withNginx(refused("nginx/handshake-403", nginxtest.PathForbidden)))
		parallel("Nginx_502", withNginx(refused("nginx/handshake-502", nginxtest.PathBadGateway)))
		// The 100 KB message takes 20 s to cross the 5 KB/s link; the loose
		// bounds of these scenarios do not mind sharing the machine.
		for _, dir := range []string{"downstream", "upstream"} {
			parallel("Toxiproxy_Bandwidth_"+dir, func(t *testing.T) { testBandwidth(t, e, dir, 1000) })
			parallel("Toxiproxy_Bandwidth_"+dir+"_timeoutAboveTransfer", func(t *testing.T) { testBandwidth(t, e, dir, 25000) })
		}
		parallel("Toxiproxy_Slicer", func(t *testing.T) { testSlicer(t, e) })
		parallel("Toxiproxy_LimitData", func(t *testing.T) { testLimitData(t, e) })
		parallel("Toxiproxy_ResetPeer", func(t *testing.T) { testResetPeer(t, e) })
		parallel("Hostile_Echo", func(t *testing.T) { testHostileEcho(t, e) })
		for _, path := range protocolErrors {
			parallel("Hostile_"+strings.TrimPrefix(path, "/"), func(t *testing.T) { testProtocolError(t, e, path) })
		}
		parallel("Hostile_Flap", func(t *testing.T) { testFlap(t, e) })
		parallel("Hostile_Hang", func(t *testing.T) { testHang(t, e) })
		parallel("Hostile_Subprotocol", func(t *testing.T) { testSubprotocol(t, e) })
		parallel("Hostile_403", func(t *testing.T) { testRefused(t, e, "hostile/handshake-403", e.hostile.URL(hostile.PathForbidden)) })
		parallel("Hostile_502", func(t *testing.T) { testRefused(t, e, "hostile/handshake-502", e.hostile.URL(hostile.PathBadGateway)) })
	})
}
