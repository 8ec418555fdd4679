//go:build !js

package vue

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// testStatusAndData: status follows the socket through open, a silenced
// server and the reconnect; data gets the echoes and never a pong.
func testStatusAndData(t *testing.T, b *browsertest.Browser) {
	srv := browsertest.StartServer(t, echo.Config{})
	p := b.NewPage(t, srv.URL+"/e2e/vue/testdata/usesocket.html")
	const show = `({statuses: t.statuses, states: t.states, data: t.data, closes: t.closes})`

	waitJS(t, p, `t.api.status.value === "OPEN"`, show, 10*time.Second)
	assert(t, eval[string](t, p, `t.api.state.value`) == "open", "state is not open")
	assert(t, slices.Equal(eval[[]string](t, p, `t.statuses`), []string{"CONNECTING", "OPEN"}),
		"statuses: %v", eval[[]string](t, p, `t.statuses`))

	assert(t, eval[string](t, p, `t.api.send("m1")`) == "sent", "send on an open socket must say sent")
	waitJS(t, p, `t.api.data.value === "m1"`, show, 5*time.Second)
	waitJS(t, p, `document.querySelector("#conn").textContent === "OPEN m1"`, `document.querySelector("#conn").textContent`, 5*time.Second)

	// With heartbeatInterval 1000 the idle socket pings every second; the
	// pongs must move lastRTT and never data.
	waitJS(t, p, `t.heartbeats >= 2`, `t.heartbeats`, 10*time.Second)
	rtt := eval[float64](t, p, `t.api.lastRTT.value ?? -1`)
	assert(t, rtt >= 0, "lastRTT after answered pings: %v", rtt)
	assert(t, slices.Equal(eval[[]string](t, p, `t.data`), []string{"m1"}), "data took %v; a pong reached it", eval[[]string](t, p, `t.data`))

	// Silence: the ping goes unanswered, the heartbeat times out (4000),
	// and the socket reconnects by itself.
	mark := eval[int](t, p, `t.statuses.length`)
	srv.Control(t, "silence")
	waitJS(t, p, `t.closes.some(c => c.code === 4000 && c.reason === "heartbeat timeout" && c.willReconnect)`, show, 10*time.Second)
	waitJS(t, p, `t.api.status.value === "OPEN"`, show, 10*time.Second)
	after := eval[[]string](t, p, `t.statuses`)[mark:]
	assert(t, slices.Equal(after, []string{"CONNECTING", "OPEN"}), "statuses after silence: %v", after)
	states := strings.Join(eval[[]string](t, p, `t.states`), " ")
	assert(t, strings.HasSuffix(states, "open reconnecting connecting open"), "states: %s", states)
	assert(t, eval[int](t, p, `t.sockets.length`) == 1, "a reconnect must keep the socket: %d sockets", eval[int](t, p, `t.sockets.length`))

	assert(t, eval[string](t, p, `t.api.send("m2")`) == "sent", "send after the reconnect")
	waitJS(t, p, `t.api.data.value === "m2"`, show, 5*time.Second)
	assert(t, slices.Equal(eval[[]string](t, p, `t.data`), []string{"m1", "m2"}), "data took %v", eval[[]string](t, p, `t.data`))
	noConsoleErrors(t, p)
}

// testURLChangeAndUnmount: a new URL leaves one connection, to the new URL;
// unmounting closes it and nothing reconnects.
func testURLChangeAndUnmount(t *testing.T, b *browsertest.Browser) {
	srv := browsertest.StartServer(t, echo.Config{})
	p := b.NewPage(t, srv.URL+"/e2e/vue/testdata/usesocket.html")
	const show = `({statuses: t.statuses, url: t.api.socket.value?.url, closes: t.closes})`
	openIs := func(n int) func(echo.Stats) bool { return func(s echo.Stats) bool { return s.Open == n } }

	waitJS(t, p, `t.api.status.value === "OPEN"`, show, 10*time.Second)
	waitServer(t, srv, "one connection", openIs(1), 5*time.Second)

	eval[any](t, p, `t.url.value = "/echo?x=2"`)
	waitJS(t, p, `t.api.status.value === "OPEN" && t.api.socket.value.url.endsWith("/echo?x=2")`, show, 10*time.Second)
	waitServer(t, srv, "one connection after the URL change", openIs(1), 5*time.Second)
	holdServer(t, srv, "one connection after the URL change", openIs(1), 500*time.Millisecond)
	st := srv.Echo.Stats()
	assert(t, st.Accepted == 2, "accepted %d connections, want 2 (one per URL)", st.Accepted)

	type closeEv struct {
		URL           string `json:"url"`
		Code          int    `json:"code"`
		WillReconnect bool   `json:"willReconnect"`
	}
	closes := eval[[]closeEv](t, p, `t.closes`)
	assert(t, len(closes) == 1 && strings.HasSuffix(closes[0].URL, "/echo?x=1") && closes[0].Code == 1000 && !closes[0].WillReconnect,
		"the old socket must close once with 1000 for good: %+v", closes)
	assert(t, eval[string](t, p, `t.sockets[0].state`) == "closed", "old socket state %s", eval[string](t, p, `t.sockets[0].state`))

	before := len(eval[[]string](t, p, `t.data`))
	assert(t, eval[string](t, p, `t.api.send("to-x2")`) == "sent", "send after the URL change")
	waitJS(t, p, `t.api.data.value === "to-x2"`, show, 5*time.Second)
	assert(t, len(eval[[]string](t, p, `t.data`)) == before+1, "data: %v", eval[[]string](t, p, `t.data`))

	// Unmount: the component's scope is disposed, the socket closes, and
	// nothing connects again.
	eval[any](t, p, `t.show.value = false`)
	waitJS(t, p, `t.api.status.value === "CLOSED" && t.sockets.every(s => s.state === "closed")`, show, 5*time.Second)
	st = waitServer(t, srv, "no connection after unmount", openIs(0), 5*time.Second)
	holdServer(t, srv, "nothing reconnects after unmount", func(s echo.Stats) bool {
		return s.Open == 0 && s.Accepted == st.Accepted
	}, settle)
	closes = eval[[]closeEv](t, p, `t.closes`)
	last := closes[len(closes)-1]
	assert(t, last.Code == 1000 && !last.WillReconnect && strings.HasSuffix(last.URL, "/echo?x=2"), "last close: %+v", last)
	assert(t, eval[int](t, p, `WSBeat.stats().sockets`) == 0, "engine sockets left: %d", eval[int](t, p, `WSBeat.stats().sockets`))
	noConsoleErrors(t, p)
}

// testOutsideComponents: useSocket with a ref and no effect scope (the
// caller closes), two URL changes in one tick, close() surviving a URL
// change, and an effectScope that closes the socket when stopped.
func testOutsideComponents(t *testing.T, b *browsertest.Browser) {
	srv := browsertest.StartServer(t, echo.Config{})
	p := b.NewPage(t, srv.URL+"/e2e/vue/testdata/bare.html")
	const show = `({status: o.status.value, state: o.state.value, url: o.socket.value?.url, made: made.map(s => s.url + " " + s.state)})`
	openIs := func(n int) func(echo.Stats) bool { return func(s echo.Stats) bool { return s.Open == n } }

	eval[any](t, p, `(() => {
		window.r = Vue.ref("/echo?y=1");
		window.o = WSBeatVue.useSocket(r, { heartbeatInterval: 1000, heartbeatTimeout: 1000 });
		window.made = [];
		Vue.watch(o.socket, s => s && made.push(s), { flush: "sync", immediate: true });
	})()`)
	waitJS(t, p, `o.status.value === "OPEN"`, show, 10*time.Second)

	// Two changes in one tick: each one closes the previous socket before
	// the next exists, and only the last URL stays connected.
	states := eval[[]string](t, p, `r.value = "/echo?y=2", r.value = "/echo?y=3", made.map(s => s.state)`)
	assert(t, len(states) == 3 && (states[0] == "closing" || states[0] == "closed") && states[1] == "closed" && states[2] == "connecting",
		"right after two URL changes the sockets are %v, want [closing|closed closed connecting]", states)
	waitJS(t, p, `o.status.value === "OPEN" && o.socket.value.url.endsWith("/echo?y=3")`, show, 10*time.Second)
	assert(t, eval[bool](t, p, `made.length === 3 && made.slice(0, 2).every(s => s.state === "closed")`), "sockets: %v", eval[any](t, p, show))
	waitServer(t, srv, "one connection", openIs(1), 5*time.Second)
	holdServer(t, srv, "one connection", openIs(1), 500*time.Millisecond)

	// close() holds across a URL change: the new URL is remembered but not
	// connected until reconnect().
	eval[any](t, p, `o.close()`)
	waitJS(t, p, `o.status.value === "CLOSED"`, show, 5*time.Second)
	st := waitServer(t, srv, "no connection after close()", openIs(0), 5*time.Second)
	eval[any](t, p, `r.value = "/echo?y=4"`)
	assert(t, eval[bool](t, p, `o.status.value === "CLOSED" && o.socket.value.url.endsWith("/echo?y=4")`), "after a URL change while closed: %v", eval[any](t, p, show))
	holdServer(t, srv, "nothing connects while closed", func(s echo.Stats) bool {
		return s.Open == 0 && s.Accepted == st.Accepted
	}, settle)
	eval[any](t, p, `o.reconnect()`)
	waitJS(t, p, `o.status.value === "OPEN" && o.socket.value.url.endsWith("/echo?y=4")`, show, 10*time.Second)
	waitServer(t, srv, "one connection after reconnect()", openIs(1), 5*time.Second)
	eval[any](t, p, `o.close()`)
	waitServer(t, srv, "no connection after close()", openIs(0), 5*time.Second)

	// An empty URL means no socket until the URL is set.
	eval[any](t, p, `(() => {
		window.lazy = Vue.ref("");
		window.l = WSBeatVue.useSocket(lazy);
	})()`)
	assert(t, eval[bool](t, p, `l.socket.value === null && l.status.value === "CLOSED"`), "an empty URL must mean no socket")
	_, err := browsertest.EvalErr[any](p, `l.send("x")`, 5*time.Second)
	assert(t, err != nil && strings.Contains(err.Error(), "InvalidStateError"), "send() without a socket must throw InvalidStateError, got %v", err)
	holdServer(t, srv, "nothing connects without a URL", openIs(0), 300*time.Millisecond)
	eval[any](t, p, `lazy.value = "/echo?lazy=1"`)
	waitJS(t, p, `l.status.value === "OPEN"`, `l.status.value`, 10*time.Second)
	waitServer(t, srv, "one connection once the URL is set", openIs(1), 5*time.Second)
	eval[any](t, p, `lazy.value = ""`)
	waitJS(t, p, `l.socket.value === null && l.status.value === "CLOSED"`, `l.status.value`, 5*time.Second)
	waitServer(t, srv, "no connection once the URL is empty again", openIs(0), 5*time.Second)

	// An effect scope owns the socket like a component does.
	eval[any](t, p, `(() => {
		window.scope = Vue.effectScope();
		window.s = scope.run(() => WSBeatVue.useSocket("/echo?z=1"));
	})()`)
	waitJS(t, p, `s.status.value === "OPEN"`, `s.status.value`, 10*time.Second)
	waitServer(t, srv, "one connection in the scope", openIs(1), 5*time.Second)
	eval[any](t, p, `scope.stop()`)
	waitJS(t, p, `s.status.value === "CLOSED"`, `s.status.value`, 5*time.Second)
	st = waitServer(t, srv, "no connection once the scope stopped", openIs(0), 5*time.Second)
	_, err = browsertest.EvalErr[any](p, `s.reconnect()`, 5*time.Second)
	assert(t, err != nil && strings.Contains(err.Error(), "InvalidStateError"), "reconnect() after the scope stopped must throw InvalidStateError, got %v", err)
	holdServer(t, srv, "nothing reconnects after the scope stopped", func(s echo.Stats) bool {
		return s.Open == 0 && s.Accepted == st.Accepted
	}, time.Second)
	assert(t, eval[int](t, p, `WSBeat.stats().sockets`) == 0, "engine sockets left: %d", eval[int](t, p, `WSBeat.stats().sockets`))
	noConsoleErrors(t, p)
}
