import type { ServiceError } from '@grpc/grpc-js';
import { callFailures } from '../errors/call-failures.js';
import type { GrpcPoolCallError } from '../errors/grpc-call.error.js';

/** A call the pool can end from outside when a drain runs out of time. */
export interface AbortableCall {
  abort(error: ServiceError): void;
}

/** Where a pool is in its life: taking calls, finishing the ones it has, or done. */
export type AdmissionPhase = 'open' | 'draining' | 'closed';

/**
 * The gate every call passes on its way in, and the register of calls not
 * yet finished. A drain closes the gate, waits for the register to empty
 * (bounded), then ends whatever is left.
 */
export class CallAdmission {
  private readonly calls = new Set<AbortableCall>();
  private currentPhase: AdmissionPhase = 'open';
  private emptied: (() => void) | undefined;

  constructor(private readonly label: string) {}

  get phase(): AdmissionPhase {
    return this.currentPhase;
  }

  /** Calls started and not finished: waiting for a slot, on the wire, or between attempts. */
  get size(): number {
    return this.calls.size;
  }

  /** Why a new call cannot start now, or `undefined` while the pool takes calls. */
  refusal(): GrpcPoolCallError | undefined {
    if (this.currentPhase === 'open') return undefined;
    return this.currentPhase === 'draining'
      ? callFailures.draining(this.label)
      : callFailures.closed(this.label);
  }

  /** Registers a call that passed `refusal()`, until `finished()`. */
  register(call: AbortableCall): void {
    this.calls.add(call);
  }

  /** The call ended, however it ended. Safe to call more than once. */
  finished(call: AbortableCall): void {
    if (this.calls.delete(call) && this.calls.size === 0) this.emptied?.();
  }

  /** Closes the gate: calls already admitted carry on, new ones are refused. */
  stopAdmitting(): void {
    if (this.currentPhase === 'open') this.currentPhase = 'draining';
  }

  /** Every admitted call finished (true), or `timeoutMs` passed first (false). */
  settled(timeoutMs: number): Promise<boolean> {
    if (this.calls.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      // Not unref()'d: the drain is work the shutdown awaits, and it is bounded.
      const timer = setTimeout(() => {
        this.emptied = undefined;
        resolve(false);
      }, timeoutMs);
      this.emptied = () => {
        this.emptied = undefined;
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /**
   * Waits up to `timeoutMs` for the admitted calls to finish, then ends those
   * still running with `error()`. Resolves with how many it ended, or
   * undefined when every call finished in time.
   */
  async drain(timeoutMs: number, error: () => ServiceError): Promise<number | undefined> {
    if (await this.settled(timeoutMs)) return undefined;
    return this.abortAll(error());
  }

  /** Ends every call still registered with `error`; returns how many there were. */
  abortAll(error: ServiceError): number {
    const left = [...this.calls];
    this.calls.clear();
    for (const call of left) call.abort(error);
    return left.length;
  }

  markClosed(): void {
    this.currentPhase = 'closed';
  }
}
