import type { GrpcChannelStats, GrpcPoolState } from '../interfaces/stats.interface.js';
import type { AdmissionPhase } from '../call/call-admission.js';

/**
 * The pool's condition from its life-cycle phase and its channels'
 * connectivity. A channel that is IDLE reconnects at once, so it counts as
 * connecting. An opened pool with no channel (`minChannels: 0`, idle) is
 * ready: nothing is failing, and its next call opens a channel.
 */
export function poolState(
  phase: AdmissionPhase,
  opened: boolean,
  channels: readonly GrpcChannelStats[],
): GrpcPoolState {
  if (phase !== 'open') return phase;
  let ready = 0;
  let failing = 0;
  for (const channel of channels) {
    if (channel.ejected) failing++;
    else if (channel.state === 'READY') ready++;
    else if (channel.state === 'TRANSIENT_FAILURE' || channel.state === 'SHUTDOWN') failing++;
  }
  if (ready > 0) return failing > 0 ? 'degraded' : 'ready';
  if (channels.length > 0 && failing === channels.length) return 'down';
  return opened && channels.length === 0 ? 'ready' : 'connecting';
}
