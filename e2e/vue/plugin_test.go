//go:build !js

package vue

import (
	"strings"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// testPlugin: three components share one connection; it stays while one
// of them is mounted, closes when the last unmounts, opens again for a new
// user, and closes when the app unmounts.
func testPlugin(t *testing.T, b *browsertest.Browser) {
	srv := browsertest.StartServer(t, echo.Config{})
	p := b.NewPage(t, srv.URL+"/e2e/vue/testdata/plugin.html")
	const show = `({apis: t.apis.map(a => a.status.value), users: [...document.querySelectorAll(".user")].map(li => li.textContent)})`

	// Without the plugin, useSharedSocket says what is missing.
	msg := eval[string](t, p, `(() => {
		let msg = "no error";
		Vue.createApp({ setup() {
			try { WSBeatVue.useSharedSocket() } catch (e) { msg = e.message }
			return () => null;
		} }).mount(document.createElement("div"));
		return msg;
	})()`)
	assert(t, strings.Contains(msg, "app.use(WSBeatVue.plugin"), "useSharedSocket without the plugin: %q", msg)

	waitJS(t, p, `t.apis.length === 3 && t.apis.every(a => a.status.value === "OPEN")`, show, 10*time.Second)
	assert(t, eval[bool](t, p, `t.apis[0] === t.apis[1] && t.apis[1] === t.apis[2] && t.sockets.size === 1`),
		"the three components must get the same socket")
	st := waitServer(t, srv, "one shared connection", func(s echo.Stats) bool { return s.Open == 1 }, 5*time.Second)
	assert(t, st.Accepted == 1, "accepted %d connections for three users, want 1", st.Accepted)

	eval[string](t, p, `t.apis[0].send("to all")`)
	waitJS(t, p, `[...document.querySelectorAll(".user")].every(li => li.textContent.endsWith("OPEN to all"))`, show, 5*time.Second)

	// Two of three unmount: the last user keeps the connection.
	eval[any](t, p, `t.count.value = 1`)
	waitJS(t, p, `document.querySelectorAll(".user").length === 1`, show, 5*time.Second)
	holdServer(t, srv, "the connection stays for the last user", func(s echo.Stats) bool {
		return s.Open == 1 && s.Accepted == 1
	}, 500*time.Millisecond)
	assert(t, eval[string](t, p, `t.apis[0].status.value`) == "OPEN", "status with one user left: %s", eval[string](t, p, `t.apis[0].status.value`))

	// The last one unmounts: the connection closes and stays closed.
	eval[any](t, p, `t.count.value = 0`)
	waitJS(t, p, `t.apis[0].status.value === "CLOSED"`, show, 5*time.Second)
	st = waitServer(t, srv, "no connection without users", func(s echo.Stats) bool { return s.Open == 0 }, 5*time.Second)
	holdServer(t, srv, "nothing reconnects without users", func(s echo.Stats) bool {
		return s.Open == 0 && s.Accepted == st.Accepted
	}, settle)

	// New users get a new shared connection; the app's unmount closes it.
	eval[any](t, p, `t.count.value = 2`)
	waitJS(t, p, `t.apis.length === 5 && t.apis[3] === t.apis[4] && t.apis[3] !== t.apis[0] && t.apis[3].status.value === "OPEN"`, show, 10*time.Second)
	waitServer(t, srv, "one connection for the new users", func(s echo.Stats) bool { return s.Open == 1 && s.Accepted == 2 }, 5*time.Second)
	eval[any](t, p, `t.unmount()`)
	waitJS(t, p, `t.apis[3].status.value === "CLOSED"`, show, 5*time.Second)
	st = waitServer(t, srv, "no connection after app.unmount()", func(s echo.Stats) bool { return s.Open == 0 }, 5*time.Second)
	holdServer(t, srv, "nothing reconnects after app.unmount()", func(s echo.Stats) bool {
		return s.Open == 0 && s.Accepted == st.Accepted
	}, time.Second)
	assert(t, eval[int](t, p, `WSBeat.stats().sockets`) == 0, "engine sockets left: %d", eval[int](t, p, `WSBeat.stats().sockets`))
	noConsoleErrors(t, p)
}
