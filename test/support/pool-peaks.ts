import { Logger } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { GrpcCallInterceptor, GrpcPool } from '../../lib/index.js';

/** The most a pool ever showed in `stats()`, over every sample taken. */
export interface PoolPeaks {
  channels: number;
  inFlight: number;
  /** The most calls on one channel. */
  inFlightOnOneChannel: number;
  samples: number;
}

/**
 * Follows a pool's `stats()` at every event rather than on a timer, so no
 * moment between two ticks escapes it: before and after every attempt (a
 * call interceptor), at every change of the pool's state, and at every line
 * the pool logs (a channel opened, replaced or moved; addresses changed; a
 * backend ejected). Install it with `start()` before the pool makes calls,
 * give `interceptor` to the pool, and `stop()` it in a finally or afterEach:
 * it overrides Nest's logger, whose lines it keeps in `logs`.
 */
export function poolPeaks(): {
  peaks: PoolPeaks;
  logs: string[];
  interceptor: GrpcCallInterceptor;
  /** Starts sampling `pool` (and recording Nest's log lines). */
  start(pool: GrpcPool): void;
  /** Takes a sample now. */
  sample(): void;
  stop(): void;
} {
  const peaks: PoolPeaks = { channels: 0, inFlight: 0, inFlightOnOneChannel: 0, samples: 0 };
  const logs: string[] = [];
  let pool: GrpcPool | undefined;
  let states: Subscription | undefined;
  const sample = (): void => {
    if (pool === undefined) return;
    const { channels, inFlight } = pool.stats();
    peaks.samples++;
    peaks.channels = Math.max(peaks.channels, channels.length);
    peaks.inFlight = Math.max(peaks.inFlight, inFlight);
    for (const channel of channels)
      peaks.inFlightOnOneChannel = Math.max(peaks.inFlightOnOneChannel, channel.inFlight);
  };
  const line = (message: unknown): void => {
    logs.push(String(message));
    sample();
  };
  return {
    peaks,
    logs,
    interceptor: { beforeAttempt: sample, afterAttempt: sample },
    start: (sampled) => {
      pool = sampled;
      Logger.overrideLogger({ log: line, warn: line, error: line, debug: line, verbose: line });
      states = sampled.state$.subscribe(sample);
      sample();
    },
    sample,
    stop: () => {
      states?.unsubscribe();
      pool = undefined;
      Logger.overrideLogger(false);
    },
  };
}
