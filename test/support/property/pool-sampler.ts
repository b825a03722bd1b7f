import type { GrpcCallInterceptor, GrpcPool } from '../../../lib/index.js';

/** The pool's limits, as the run configured them. */
export interface PoolLimits {
  maxChannels: number;
  maxConcurrentCallsPerChannel: number;
}

/**
 * Checks the pool's caps whenever something happens in it (never on a timer): each attempt's
 * start and end (a call interceptor), each state change, each operation and each settlement.
 * A breach is kept with where it was seen; the run reports the first ones.
 */
export class PoolSampler {
  /** Breaches of maxChannels and of the slots (maxChannels x maxConcurrentCallsPerChannel). */
  readonly breaches: string[] = [];
  samples = 0;
  private pool: GrpcPool | undefined;

  constructor(private readonly limits: PoolLimits) {}

  /** The interceptor to give the pool, so attempts are sampled as they start and end. */
  readonly interceptor: GrpcCallInterceptor = {
    beforeAttempt: (call) => this.sample(`attempt ${call.attempt} starts`),
    afterAttempt: (call, outcome) => this.sample(`attempt ${call.attempt} ended ${outcome.code}`),
  };

  watch(pool: GrpcPool): void {
    this.pool = pool;
    pool.state$.subscribe((state) => this.sample(`state ${state}`));
  }

  sample(where: string): void {
    if (this.pool === undefined) return;
    this.samples++;
    const { channels, inFlight } = this.pool.stats();
    const { maxChannels, maxConcurrentCallsPerChannel } = this.limits;
    if (channels.length > maxChannels) {
      this.breach(
        this.breaches,
        `${channels.length} channels > maxChannels ${maxChannels} at ${where}: ` +
          channels.map((c) => `${c.target} ${c.state} (${c.inFlight} in flight)`).join(', '),
      );
    }
    const slots = maxChannels * maxConcurrentCallsPerChannel;
    if (inFlight > slots) {
      this.breach(this.breaches, `${inFlight} in flight > ${slots} slots at ${where}`);
    }
  }

  private breach(list: string[], text: string): void {
    if (list.length < 10) list.push(text);
  }
}
