import { startCountingListener, type CountingListener } from './counting-listener.js';

/** A TCP listener that accepts connections and never speaks: no HTTP/2 handshake ever comes. */
export type SilentServer = CountingListener;

/** On `host:port` (port 0: a free one), as a backend behind DNS on a fixed port needs. */
export function startSilentServer(host?: string, port?: number): Promise<SilentServer> {
  return startCountingListener(() => undefined, host, port);
}
