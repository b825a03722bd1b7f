import { describe, expect, it } from '@jest/globals';
import type { GrpcChannelStats, GrpcPoolStats } from '../interfaces/stats.interface.js';
import { resolveHealthSettings } from './health-settings.js';
import { poolHealth } from './pool-health.js';
import { terminusHasDegraded } from './terminus-statuses.js';

/** One READY channel and one failing: a degraded pool. */
function degradedStats(): GrpcPoolStats {
  const channel = (id: number, state: GrpcChannelStats['state']) =>
    ({ id, target: `10.0.0.${id}:50051`, state, inFlight: 0, calls: 0 }) as GrpcChannelStats;
  return {
    state: 'degraded',
    channels: [channel(1, 'READY'), channel(2, 'TRANSIENT_FAILURE')],
    inFlight: 0,
    queued: 0,
  } as GrpcPoolStats;
}

function verdict(options: Parameters<typeof resolveHealthSettings>[1]) {
  const evidence = {
    stats: degradedStats(),
    targets: ['10.0.0.1:50051', '10.0.0.2:50051'],
    lastError: undefined,
    readySince: undefined,
    remote: undefined,
  };
  return poolHealth(resolveHealthSettings('ECHO', options), evidence).ECHO;
}

describe('degradedAs: what a degraded pool reports', () => {
  it("is 'degraded' by default, and 'up' or 'down' when asked, the details kept either way", () => {
    const kept = {
      state: 'degraded',
      channels: { READY: 1, TRANSIENT_FAILURE: 1 },
      reason: 'some channels are failing',
    };
    expect(verdict({})).toMatchObject({ status: 'degraded', ...kept });
    expect(verdict({ degradedAs: 'up' })).toMatchObject({ status: 'up', ...kept });
    expect(verdict({ degradedAs: 'down' })).toMatchObject({ status: 'down', ...kept });
  });

  it('rejects any other value, naming the option', () => {
    expect(() => verdict({ degradedAs: 'degraded' as never })).toThrow(
      "isHealthy.degradedAs must be 'up' or 'down' (got \"degraded\")",
    );
  });

  it('the terminus this repository develops on (12) has a degraded status', () => {
    expect(terminusHasDegraded()).toBe(true);
  });
});
