// Compiles only if control.d.ts describes the client as documented;
// the @ts-expect-error lines must fail to compile.
import { control, ControlError, type Control, type Stats } from '../control.js';

async function usage(): Promise<void> {
  const server: Control = control('http://127.0.0.1:8080', { tag: 'w0', token: 't' });
  const tag: string | undefined = server.tag;
  const dropped: number = await server.drop();
  const silenced: number = await server.silence();
  const closed: number = await server.close(4001, 'bye');
  await server.close();
  await server.reject(1000);
  await server.reject(1000, 503);
  const sent: number = await server.send('text');
  await server.send(new Uint8Array([1, 2]));
  await server.send(new ArrayBuffer(2));
  const messages: string[] = await server.messages();
  const stats: Stats = await server.stats();
  const open: number = stats.open + stats.accepted + stats.rejected + stats.received + stats.sent;
  const now: number = await server.waitFor({ open: 1, timeout: 5000 });
  await server.waitFor();
  await server.reset();
  control(new URL('ws://localhost:8080'));
  control('http://x', { fetch: globalThis.fetch });
  try {
    await server.drop();
  } catch (err) {
    if (err instanceof ControlError) {
      const status: number = err.status;
      const name: 'ControlError' = err.name;
      void status, name;
    }
  }
  // @ts-expect-error send takes no numbers
  await server.send(5);
  // @ts-expect-error reject needs a duration
  await server.reject();
  // @ts-expect-error unknown option
  control('http://x', { tags: 'a' });
  // @ts-expect-error waitFor's open is a number
  await server.waitFor({ open: '1' });
  void tag, dropped, silenced, closed, sent, messages, open, now;
}
void usage;
