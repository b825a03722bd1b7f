/**
 * What start.js and the processes it forks say to each other over the IPC
 * channel `fork()` opens. Signals are not used between them on purpose: a
 * signal can reach any of the processes (Ctrl-C reaches all of them at once),
 * but only start.js decides the order they stop in.
 */

/** Child to start.js: it is up (listening). */
export const READY = 'ready';

/** Child to start.js: a signal reached this child; stop everything, in order. */
export interface StopAllRequest {
  stopAll: string;
}

/** start.js to child: stop now, gracefully, then exit. */
export interface StopOrder {
  stop: string;
}

export const isStopAllRequest = (message: unknown): message is StopAllRequest =>
  typeof (message as Partial<StopAllRequest> | null)?.stopAll === 'string';

export const isStopOrder = (message: unknown): message is StopOrder =>
  typeof (message as Partial<StopOrder> | null)?.stop === 'string';
