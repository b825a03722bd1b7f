import type { StopAllRequest } from './messages.js';
import { isStopOrder } from './messages.js';

/**
 * How orders and the gateway stop. Forked by start.js, a process stops only
 * when start.js says so, so that the gateway always stops before orders
 * whichever process a signal reached: a SIGTERM or SIGINT here is passed up
 * to start.js as a request to stop everything. If start.js is gone (the IPC
 * channel disconnects), the process stops on its own instead of serving on
 * as an orphan. Run alone, a signal stops it directly.
 *
 * `stop` closes the app; the process then exits because nothing is left
 * running (no `process.exit()`, which would hide a leaked handle).
 */
export function stopWhenAsked(stop: (reason: string) => Promise<void>): void {
  let stopping = false;
  const stopOnce = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    stop(reason)
      .catch((error: unknown) => {
        console.error('Stopping failed:', error);
        process.exitCode = 1;
      })
      .finally(() => {
        if (process.connected) process.disconnect();
      });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping || !process.connected) return stopOnce(signal);
    const request: StopAllRequest = { stopAll: signal };
    // A failed send means start.js is going away: 'disconnect' stops this process.
    process.send!(request, undefined, {}, () => undefined);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  if (process.connected) {
    process.on('message', (message: unknown) => {
      if (isStopOrder(message)) stopOnce(message.stop);
    });
    process.once('disconnect', () => stopOnce('start.js is gone'));
  }
}
