import type { DnsResolver } from '../../lib/discovery/dns-discovery.js';
import type { DnsResolution } from '../../lib/discovery/dns-resolution.js';
import type { DnsTarget } from '../../lib/options/dns-target.js';

// For the discovery specs: a resolver that answers as the test scripts it,
// and records when (Date.now(), so fake time) each query was asked.

/** How the next queries end: answered (with a TTL or none), failed, or left pending until aborted. */
export type ScriptedAnswer = { addresses: string[]; ttlMs?: number } | { fail: string } | 'hang';

export interface AskedQuery {
  at: number;
  host: string;
  signal: AbortSignal;
}

export class ScriptedResolver {
  readonly asked: AskedQuery[] = [];
  /** Answers the queries left pending ('hang'), oldest first. */
  readonly pending: ((resolution: DnsResolution) => void)[] = [];
  /** How every query from now on ends. */
  answer: ScriptedAnswer = { addresses: ['10.0.0.1:50051'] };

  readonly resolve: DnsResolver = (target: DnsTarget, _timeoutMs, signal) => {
    this.asked.push({ at: Date.now(), host: target.host, signal });
    const answer = this.answer;
    if (answer === 'hang') {
      // As a real query to a DNS server that does not answer: it ends only when cancelled.
      return new Promise<DnsResolution>((resolve, reject) => {
        this.pending.push(resolve);
        signal.addEventListener('abort', () =>
          reject(Object.assign(new Error('cancelled'), { code: 'ECANCELLED' })),
        );
      });
    }
    if ('fail' in answer)
      return Promise.reject(Object.assign(new Error(`no ${target.host}`), { code: answer.fail }));
    return Promise.resolve({ addresses: answer.addresses, ttlMs: answer.ttlMs });
  };

  /** When each query was asked, relative to `origin`. */
  times(origin: number): number[] {
    return this.asked.map(({ at }) => at - origin);
  }
}
