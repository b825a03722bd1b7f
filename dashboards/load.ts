import { setTimeout as sleep } from 'node:timers/promises';

/** Answers by request kind and HTTP status (`GET /orders/:id 404`); `error` when no answer came. */
export type Tally = Map<string, number>;

const REQUEST_TIMEOUT_MS = 5000;
/** Ids 1..20 exist: 21..24 answer 404 (a gRPC NOT_FOUND), about one request in six. */
const HIGHEST_ID = 24;

/**
 * HTTP load on the gateway (loopback only): an open-loop steady rate of
 * GET /orders/:id and GET /orders, and closed-loop bursts of callers that
 * send their next request as soon as the last one is answered. Every loop
 * ends by a deadline or by `stop()`; `stop()` waits for the answers still due.
 */
export class Load {
  readonly tally: Tally = new Map();
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly base: string) {}

  /** `perSecond` unary calls and `streamsPerSecond` server streams a second until `stop()`. */
  async steady(perSecond: number, streamsPerSecond: number): Promise<void> {
    const tickMs = 20;
    let unaryDue = 0;
    let streamsDue = 0;
    while (!this.stopped) {
      unaryDue += (perSecond * tickMs) / 1000;
      streamsDue += (streamsPerSecond * tickMs) / 1000;
      // Bounded: a backend that stops answering must not pile up requests without end.
      for (; unaryDue >= 1 && this.pending.size < 500; unaryDue--) this.send(orderPath());
      for (; streamsDue >= 1 && this.pending.size < 500; streamsDue--) this.send('/orders');
      await sleep(tickMs);
    }
  }

  /** `callers` loops of GET /orders/:id back to back, for `ms`. */
  async burst(callers: number, ms: number): Promise<void> {
    const until = Date.now() + ms;
    const caller = async (): Promise<void> => {
      while (!this.stopped && Date.now() < until) await this.request(orderPath());
    };
    await Promise.all(Array.from({ length: callers }, caller));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.pending]);
  }

  private send(path: string): void {
    const request = this.request(path).finally(() => this.pending.delete(request));
    this.pending.add(request);
  }

  private async request(path: string): Promise<void> {
    const kind = path === '/orders' ? 'GET /orders' : 'GET /orders/:id';
    let outcome: string;
    try {
      const response = await fetch(`${this.base}${path}`, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      outcome = String(response.status);
    } catch {
      outcome = 'error';
    }
    const key = `${kind} ${outcome}`;
    this.tally.set(key, (this.tally.get(key) ?? 0) + 1);
  }
}

const orderPath = (): string => `/orders/${1 + Math.floor(Math.random() * HIGHEST_ID)}`;
