/**
 * One 'abort' listener per signal, however many calls share it. A
 * request-scoped signal handed to a fan-out of calls is the common case, and
 * Node warns (MaxListenersExceededWarning) past 10 listeners on one signal.
 * The listener is removed when the last call watching the signal ends, so a
 * long-lived signal keeps nothing of the calls it has seen.
 */

/** A call told when the signal it watches aborts. */
export interface AbortWatcher {
  aborted(): void;
}

/**
 * Process-wide on purpose (one of the five process-wide states listed in
 * ARCHITECTURE.md): one signal may be shared by calls of different pools (a
 * request's signal reaches every pool the handler calls), so the listener
 * count is kept per signal, not per pool. A WeakMap, so it holds no signal
 * alive: the entry goes with the signal.
 */
const watchersBySignal = new WeakMap<AbortSignal, Set<AbortWatcher>>();

function dispatch(event: Event): void {
  const signal = event.target as AbortSignal;
  const watchers = watchersBySignal.get(signal);
  watchersBySignal.delete(signal);
  // A copy: each watcher's abort ends its call, which unwatches it.
  for (const watcher of [...(watchers ?? [])]) watcher.aborted();
}

/** Starts telling `watcher` of `signal`'s abort; throws what the signal's `addEventListener` throws. */
export function watchAbort(signal: AbortSignal, watcher: AbortWatcher): void {
  let watchers = watchersBySignal.get(signal);
  if (watchers === undefined) {
    signal.addEventListener('abort', dispatch, { once: true });
    watchers = new Set();
    watchersBySignal.set(signal, watchers);
  }
  watchers.add(watcher);
}

export function unwatchAbort(signal: AbortSignal, watcher: AbortWatcher): void {
  const watchers = watchersBySignal.get(signal);
  if (watchers === undefined || !watchers.delete(watcher) || watchers.size > 0) return;
  watchersBySignal.delete(signal);
  try {
    signal.removeEventListener('abort', dispatch);
  } catch {
    // A signal-like object that cannot remove its listener keeps it; it holds no call.
  }
}
