import type {
  GrpcPoolHealthDetails,
  GrpcPoolHealthResult,
} from '../interfaces/health-options.interface.js';
import type { GrpcChannelState, GrpcPoolStats } from '../interfaces/stats.interface.js';
import type { HealthSettings } from './health-settings.js';
import { isServing, type RemoteHealthOutcome } from './remote-health-check.js';

/** What a health verdict is made from: the pool as it is now, and the remote's answer if asked. */
export interface HealthEvidence {
  stats: GrpcPoolStats;
  targets: readonly string[];
  lastError: { message: string; at: Date } | undefined;
  /** When every channel was last READY again. */
  readySince: Date | undefined;
  remote: RemoteHealthOutcome | undefined;
  /** Why discovery degrades the pool (resolution failing for a while), if it does. */
  discoveryTrouble?: string;
}

/**
 * Down when the pool cannot carry calls (closed, draining, every channel
 * failing, fewer READY channels than asked) or the remote says it is not
 * serving; degraded when some channels fail and others carry calls.
 */
export function poolHealth(
  settings: HealthSettings,
  evidence: HealthEvidence,
): GrpcPoolHealthResult {
  const { stats, targets, lastError, readySince, remote } = evidence;
  const channels: Partial<Record<GrpcChannelState, number>> = {};
  for (const channel of stats.channels)
    channels[channel.state] = (channels[channel.state] ?? 0) + 1;
  const ready = channels.READY ?? 0;
  const reason = downReason(stats, ready, settings.minReadyChannels, remote);
  const details: GrpcPoolHealthDetails = {
    status: reason !== undefined ? 'down' : stats.state === 'degraded' ? settings.degradedAs : 'up',
    state: stats.state,
    targets: [...targets],
    channels,
    inFlight: stats.inFlight,
    queued: stats.queued,
  };
  if (reason !== undefined) details.reason = reason;
  else if (stats.state === 'degraded')
    details.reason = evidence.discoveryTrouble ?? 'some channels are failing';
  if (lastError !== undefined) {
    details.lastError = lastError.message;
    details.lastErrorAt = lastError.at.toISOString();
    // Kept, as the last thing that went wrong, but not the cause of anything now.
    if (readySince !== undefined && readySince >= lastError.at) details.lastErrorStale = true;
  }
  if (remote !== undefined) details.remote = remote;
  return { [settings.key]: details };
}

function downReason(
  stats: GrpcPoolStats,
  ready: number,
  minReadyChannels: number,
  remote: RemoteHealthOutcome | undefined,
): string | undefined {
  if (stats.state === 'closed' || stats.state === 'draining') return `the pool is ${stats.state}`;
  if (stats.state === 'down') return 'no channel can carry calls (every channel is failing)';
  if (ready < minReadyChannels) {
    return `${ready} channel(s) READY, fewer than minReadyChannels ${minReadyChannels}`;
  }
  if (remote !== undefined && !isServing(remote)) {
    const service = remote.service === '' ? 'the server' : `service "${remote.service}"`;
    return remote.error !== undefined
      ? `the remote health check failed: ${remote.error}`
      : `the remote reports ${service} ${remote.status}`;
  }
  return undefined;
}
