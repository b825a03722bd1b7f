import { describe, expect, it } from '@jest/globals';
import type { GrpcChannelState } from '../interfaces/stats.interface.js';
import { poolState } from './pool-state.js';

const channels = (...states: GrpcChannelState[]) =>
  states.map((state, i) => ({ id: i + 1, target: 't', state, inFlight: 0, calls: 0 }));

describe('poolState', () => {
  it.each([
    [['READY', 'READY'], 'ready'],
    [['READY', 'CONNECTING'], 'ready'],
    [['READY', 'TRANSIENT_FAILURE'], 'degraded'],
    [['TRANSIENT_FAILURE', 'SHUTDOWN'], 'down'],
    [['TRANSIENT_FAILURE', 'CONNECTING'], 'connecting'],
    [['IDLE'], 'connecting'],
    [[], 'ready'],
  ] as [GrpcChannelState[], string][])('open pool with channels %j is %s', (states, expected) => {
    expect(poolState('open', true, channels(...states))).toBe(expected);
  });

  it('is connecting before it opens, and follows the phase once shutdown starts', () => {
    expect(poolState('open', false, [])).toBe('connecting');
    expect(poolState('draining', true, channels('READY'))).toBe('draining');
    expect(poolState('closed', true, [])).toBe('closed');
  });
});
