import { startCountingListener, type CountingListener } from './counting-listener.js';

/**
 * A TCP listener that accepts each connection and destroys it at once, as a
 * port whose process is gone but whose socket still accepts: every connect
 * attempt a client makes is counted in `connections`, and none ever gets HTTP/2.
 */
export type ClosingListener = CountingListener;

export function startClosingListener(): Promise<ClosingListener> {
  return startCountingListener((socket) => socket.destroy());
}
