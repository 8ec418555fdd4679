// The ES module's types (wsbeat.d.mts) and the script-tag globals'
// (wsbeat.d.ts) are written twice, once as exports and once as a
// namespace; this file fails to compile when they stop agreeing.
import type * as M from "../wsbeat.mjs";

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function same<A, B>(ok: Same<A, B>): void { void ok; }

same<M.Options, WSBeat.Options>(true);
same<M.State, WSBeat.State>(true);
same<M.Data, WSBeat.Data>(true);
same<M.SendResult, WSBeat.SendResult>(true);
same<M.URLProvider, WSBeat.URLProvider>(true);
same<M.ErrorCode, WSBeat.ErrorCode>(true);
same<M.SocketEventMap, WSBeat.SocketEventMap>(true);
same<keyof M.Socket, keyof WSBeat.Socket>(true);
same<ConstructorParameters<typeof M.Socket>, ConstructorParameters<typeof WSBeat.Socket>>(true);
same<M.Socket["send"], WSBeat.Socket["send"]>(true);
same<M.Socket["state"], WSBeat.Socket["state"]>(true);
same<M.Socket["onerror"], WSBeat.Socket["onerror"]>(true);
same<typeof M.ErrorCode, typeof WSBeat.errors>(true);
same<typeof M.defaults, typeof WSBeat.defaults>(true);
same<typeof M.stats, typeof WSBeat.stats>(true);
// A check that cannot fail proves nothing: this one must not hold.
same<M.State, WSBeat.SendResult>(false);

import type * as V from "../wsbeat-vue.mjs";
same<keyof V.UseSocketReturn, keyof WSBeatVue.UseSocketReturn>(true);
same<V.Status, WSBeatVue.Status>(true);
same<V.PluginOptions, WSBeatVue.PluginOptions>(true);
