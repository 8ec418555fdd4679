// The option defaults of WSBeat.Socket. The values are the Go engine's
// (wsbeat.Default* in options.go); TestDefaultsMatchGo in e2e/contract
// fails when this table, the README's or the d.ts comments drift from them.
export const DEFAULTS = Object.freeze({
  minReconnectionDelay: 500,
  maxReconnectionDelay: 10000,
  reconnectionDelayGrowFactor: 1.5,
  minUptime: 5000,
  connectionTimeout: 4000,
  maxRetries: Infinity,
  maxEnqueuedMessages: 1000,
  maxEnqueuedBytes: 1048576,
  overflow: 'drop-oldest',
  heartbeatInterval: 25000,
  heartbeatTimeout: 10000,
  heartbeatMessage: 'ping',
  heartbeatResponse: 'pong',
  shouldReconnect: undefined,
  startClosed: false,
  binaryType: 'blob',
  debug: false
});
