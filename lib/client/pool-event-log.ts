import { Logger } from '@nestjs/common';
import type { GrpcPoolState } from '../interfaces/stats.interface.js';
import { isLoopbackTarget } from '../options/loopback-target.js';
import type { PooledChannel } from '../pool/pooled-channel.js';
import type { ChannelReplacementReason } from '../pool/channel-replacement-reason.js';

/**
 * What a pool tells the operator, through Nest's `Logger` with the pool's
 * name as context. Failures are logged once, not once per reconnect attempt,
 * and not at all once the app is shutting down (backends often stop
 * alongside). Never metadata or credentials.
 */
export class PoolEventLog {
  private readonly logger: Logger;
  private readonly targets: string;
  /** The failure last logged, until the pool is ready again. */
  private failureLogged: 'down' | 'degraded' | undefined;
  private appShuttingDown = false;
  /** When every channel was last READY again: a failure before it is history (health marks it stale). */
  readySince: Date | undefined;

  constructor(
    displayName: string,
    private readonly targetList: readonly string[],
  ) {
    this.logger = new Logger(`GrpcPool ${displayName}`);
    this.targets = targetList.join(', ');
  }

  opened(channels: number, secure: boolean): void {
    this.logger.log(`Opened ${channels} channel(s) to ${this.targets}`);
    const exposed = this.targetList.filter((target) => !isLoopbackTarget(target));
    if (!secure && exposed.length > 0) {
      this.logger.warn(
        `Plaintext connection to ${exposed.join(', ')}: calls and metadata cross the network unencrypted; set tls or credentials`,
      );
    }
  }

  shutdownBegan(): void {
    this.appShuttingDown = true;
  }

  /** `trouble`: discovery's reason, when it is what degrades the pool. */
  stateChanged(next: GrpcPoolState, lastError: string | undefined, trouble?: string): void {
    if (next === 'ready') this.readySince = new Date();
    if (next === 'ready' && this.failureLogged !== undefined) {
      this.failureLogged = undefined;
      this.logger.log(`Channels to ${this.targets} are ready again`);
      return;
    }
    if (next !== 'down' && next !== 'degraded') return;
    const worse =
      next === 'down' ? this.failureLogged !== 'down' : this.failureLogged === undefined;
    if (!worse || this.appShuttingDown) return;
    this.failureLogged = next;
    if (next === 'down') {
      this.logger.warn(
        `No channel to ${this.targets} can carry calls; calls fail fast (or wait, with waitForReady) until one connects` +
          (lastError === undefined ? '' : `. Last error: ${lastError}`),
      );
    } else {
      this.logger.warn(
        trouble !== undefined
          ? `Degraded: ${trouble}`
          : `Some channels to ${this.targets} are failing; calls go to the others`,
      );
    }
  }

  channelReplaced(
    channel: PooledChannel,
    reason: string,
    trouble: boolean,
    kind: ChannelReplacementReason,
  ): void {
    const message = `Channel ${channel.id} to ${channel.target} ${reason}: replacing it`;
    if (trouble) this.logger.warn(message);
    // Following the addresses is routine, and a moving subset does it every refresh.
    else if (kind === 'rebalance') this.logger.debug(message);
    else this.logger.log(message);
  }

  backendEjected(target: string, ejected: boolean, detail: string): void {
    if (ejected) this.logger.warn(`Backend ${target} ejected: ${detail}`);
    else this.logger.log(`Backend ${target} admitted again: ${detail}`);
  }

  draining(calls: number, drainTimeoutMs: number): void {
    this.logger.log(`Draining ${calls} call(s) in flight (up to ${drainTimeoutMs} ms)`);
  }

  cancelledAtDrainEnd(calls: number, drainTimeoutMs: number): void {
    this.logger.warn(
      `Cancelled ${calls} call(s) still running after drainTimeoutMs ${drainTimeoutMs}`,
    );
  }
}
