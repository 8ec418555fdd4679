// useSocket during server-side rendering: inert refs, no socket, no
// engine; the socket opens once the component mounts in the client.
import { expect, test } from 'vitest';
import { createSSRApp, defineComponent, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { useSocket } from 'wsbeat/vue';
import { stats } from 'wsbeat';

test('useSocket renders inert on the server', async () => {
  const App = defineComponent({
    setup() {
      const { status, state, socket } = useSocket('wss://example.invalid/never');
      return () => h('p', `${status.value} ${state.value} ${socket.value ? 'socket' : 'no socket'}`);
    },
  });
  const html = await renderToString(createSSRApp(App));
  expect(html).toBe('<p>CLOSED closed no socket</p>');
  expect(stats()).toBeNull(); // the engine never loaded
});
