// Types of the ES module `wsbeat/vue` (dist/wsbeat-vue.mjs). The reference
// is docs/api.md, "Vue".
import type { App, MaybeRefOrGetter, Ref, ShallowRef } from "vue";
import type { Data, Options, SendResult, Socket, State } from "./wsbeat.mjs";

export type Status = "OPEN" | "CONNECTING" | "CLOSING" | "CLOSED";

export interface UseSocketReturn<T = any> {
  socket: ShallowRef<Socket | null>;
  state: Ref<State>;
  status: Ref<Status>;
  data: ShallowRef<T | null>;
  lastRTT: Ref<number | null>;
  retryCount: Ref<number>;
  send(data: Data): SendResult;
  close(code?: number, reason?: string): void;
  reconnect(code?: number, reason?: string): void;
}

/**
 * useSocket opens a Socket to url and returns refs that follow it; a ref
 * or getter URL reconnects when it changes. It closes when the calling
 * scope is disposed. During SSR it returns inert refs and connects once
 * mounted in the client. A falsy URL means no socket.
 */
export declare function useSocket<T = any>(url: MaybeRefOrGetter<string | URL | null | undefined>, options?: Options): UseSocketReturn<T>;

export interface PluginOptions { url: string; options?: Options; }
/** app.use(plugin, { url, options }): one socket shared by the app. */
export declare const plugin: { install(app: App, options: PluginOptions): void };
/** The socket that the plugin provides; call inside setup(). */
export declare function useSharedSocket<T = any>(): UseSocketReturn<T>;
