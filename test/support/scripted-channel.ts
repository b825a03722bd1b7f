import { connectivityState, credentials } from '@grpc/grpc-js';
import { PooledChannel, type ChannelStateListener } from '../../lib/pool/pooled-channel.js';

/**
 * A pool channel whose connectivity the test sets: for unit tests of the
 * pool's timing (rotation, replacement) under fake timers, where a real
 * connection would need grpc-js's own timers to run. It keeps a real
 * grpc-js client that never connects (so `close()` is the real one), and
 * tells the pool of each state the test sets, as a real channel would.
 */
export class ScriptedChannel extends PooledChannel {
  /** Undefined only while the base constructor runs. */
  private current: connectivityState | undefined = connectivityState.IDLE;
  connectCalls = 0;
  closed = false;

  constructor(
    id: number,
    target: string,
    private readonly onState: ChannelStateListener,
  ) {
    super(id, target, credentials.createInsecure(), {});
  }

  override state(): connectivityState {
    if (this.closed) return connectivityState.SHUTDOWN;
    return this.current ?? connectivityState.IDLE;
  }

  /** The pool asked it to connect; the test decides what happens next. */
  override connect(): void {
    this.connectCalls++;
  }

  override close(): void {
    this.closed = true;
    super.close();
  }

  /** The connection moved to `state`: the pool is told. */
  become(state: connectivityState): void {
    this.current = state;
    this.onState(this, state);
  }
}
