import { status } from '@grpc/grpc-js';
import type { GrpcPool, GrpcPoolCallOptions } from '../../../lib/index.js';
import { createEchoPool, type EchoAsyncService, type EchoService } from '../echo-client.js';
import { settlesWithin } from '../hang-guard.js';
import { sleep, waitFor } from '../wait-for.js';
import { CallRecord } from './call-record.js';
import { expectAtStart, type RunState } from './expectations.js';
import { callViolations, closedPoolViolations } from './invariants.js';
import {
  describeOperation,
  mayLastUntilClose,
  type CallOperation,
  type Operation,
} from './operations.js';
import { PoolSampler, type PoolLimits } from './pool-sampler.js';
import type { PropertyBackend } from './backend.js';
import { startCall } from './start-call.js';

/** A bound for a step that should take milliseconds; only a hang trips it. */
const HANG_GUARD_MS = 10_000;
/** After every call settled: room for a second settlement to show itself (not a measure). */
const SECOND_SETTLEMENT_GRACE_MS = 20;

const LIMITS: PoolLimits = { maxChannels: 2, maxConcurrentCallsPerChannel: 2 };
/** close() lets held calls run this long, then cancels them. */
const DRAIN_TIMEOUT_MS = 200;

/** Thrown when a run breaks an invariant; its message lists the operations and what broke. */
export class InvariantError extends Error {}

/** Everything one run holds. */
class Run {
  readonly records: CallRecord[] = [];
  readonly state: RunState = { closing: false, backendTrouble: false, sharedAborted: false };
  readonly shared = new AbortController();
  closing: Promise<void> | undefined;

  constructor(
    readonly pool: GrpcPool,
    readonly backend: PropertyBackend,
    readonly sampler: PoolSampler,
    readonly observable: EchoService,
    readonly async: EchoAsyncService,
  ) {}

  unsettled(): CallRecord[] {
    return this.records.filter((r) => !r.isSettled);
  }

  call(operation: CallOperation): void {
    const { deadline, abort } = operation;
    const controller = abort === 'own' || abort === 'before' ? new AbortController() : undefined;
    if (abort === 'before') controller!.abort();
    const record = new CallRecord(
      this.records.length,
      operation,
      describeOperation(operation),
      abort === 'own' ? controller : undefined,
    );
    this.records.push(record);
    expectAtStart(record, this.state);
    const options: GrpcPoolCallOptions = {};
    if (deadline.is !== 'none') (options as Record<string, unknown>).timeoutMs = deadline.timeoutMs;
    if (controller !== undefined) options.signal = controller.signal;
    if (abort === 'shared') options.signal = this.shared.signal;
    if (abort === 'before' || (abort === 'shared' && this.state.sharedAborted))
      record.aborted = true;
    void record.settled.then(() => this.sampler.sample(`call #${record.index} settled`));
    startCall({ observable: this.observable, async: this.async }, record, options);
  }

  async apply(operation: Operation): Promise<void> {
    switch (operation.op) {
      case 'call':
        return this.call(operation);
      case 'release':
        return this.backend.release();
      case 'abortCall': {
        const own = this.records.filter((r) => r.controller !== undefined);
        if (own.length === 0) return;
        const record = own[operation.nth % own.length];
        record.aborted = true;
        record.disrupt([status.CANCELLED], 'its signal was aborted while it ran');
        record.controller!.abort();
        return;
      }
      case 'abortShared': {
        for (const record of this.records.filter((r) => r.operation.abort === 'shared')) {
          record.aborted = true;
          record.disrupt([status.CANCELLED], 'the shared signal was aborted while it ran');
        }
        this.state.sharedAborted = true;
        this.shared.abort();
        return;
      }
      case 'backendDown':
        this.state.backendTrouble = true;
        for (const record of this.unsettled()) {
          record.disrupt([status.UNAVAILABLE], 'the backend died while it ran');
        }
        return this.backend.down();
      case 'backendUp':
        return this.backend.up();
      case 'pause':
        if (operation.ms === 0) return new Promise((resolve) => setImmediate(resolve));
        return sleep(operation.ms);
      case 'close':
        this.startClosing('close() was called while it ran');
        return;
      case 'dnsMove': {
        const { deadAddress } = this.backend.moveTo!(operation.backends);
        // Calls on a vanished address finish there; only a dead address can fail a call.
        if (deadAddress) {
          this.state.backendTrouble = true;
          for (const record of this.unsettled()) {
            record.disrupt([status.UNAVAILABLE], 'DNS named a dead address while it ran');
          }
        }
        return;
      }
    }
  }

  startClosing(why: string): void {
    if (this.closing !== undefined) return;
    this.state.closing = true;
    for (const record of this.unsettled()) {
      // Refused while draining (UNAVAILABLE), or cancelled when the drain time ran out.
      record.disrupt([status.UNAVAILABLE, status.CANCELLED], why);
    }
    this.closing = this.pool.close();
  }

  /** Releases what is held, waits for every call that can end by itself, then closes the pool. */
  async finish(): Promise<void> {
    this.backend.stopHolding();
    const canEndByItself = (r: CallRecord): boolean =>
      !(mayLastUntilClose(r.operation) && !r.aborted);
    await waitFor(
      () => this.records.filter(canEndByItself).every((r) => r.isSettled),
      HANG_GUARD_MS,
      'every call that can end without close() to settle',
    ).catch(() => undefined); // a call that never settles is reported by the invariants below
    this.startClosing('close() was called at the end of the run while it ran');
    await settlesWithin(this.closing!, HANG_GUARD_MS, 'close()');
    await waitFor(
      () => this.records.every((r) => r.isSettled),
      HANG_GUARD_MS,
      'every call to settle after close()',
    ).catch(() => undefined);
    await sleep(SECOND_SETTLEMENT_GRACE_MS);
  }

  violations(): string[] {
    return [
      ...this.sampler.breaches,
      ...this.records.flatMap(callViolations),
      ...closedPoolViolations(this.pool.stats()),
    ];
  }
}

/** What a property drives: its backend, and the pool options that go with it. */
export interface RunFlavour {
  startBackend(): Promise<PropertyBackend>;
  pool?: Record<string, unknown>;
}

/**
 * Runs one sequence against a fresh backend and pool, and throws an InvariantError listing the
 * operations and every broken invariant. Everything it opens is closed, also when it throws.
 */
export async function runSequence(flavour: RunFlavour, operations: Operation[]): Promise<void> {
  const backend = await flavour.startBackend();
  const sampler = new PoolSampler(LIMITS);
  let pool: GrpcPool | undefined;
  try {
    pool = createEchoPool(backend.target, {
      pool: { ...LIMITS, minChannels: 1, acquireTimeoutMs: 30_000, ...flavour.pool },
      drainTimeoutMs: DRAIN_TIMEOUT_MS,
      interceptors: [sampler.interceptor],
    });
    sampler.watch(pool);
    // As Nest does before the app takes calls: with a DNS target, the first resolution is done.
    await settlesWithin(pool.onModuleInit(), HANG_GUARD_MS, 'start-up');
    const run = new Run(
      pool,
      backend,
      sampler,
      pool.getService<EchoService>('EchoService'),
      pool.getAsyncService<EchoAsyncService>('EchoService'),
    );
    for (const [i, operation] of operations.entries()) {
      sampler.sample(`operation ${i} (${describeOperation(operation)})`);
      await run.apply(operation);
    }
    await run.finish();
    const problems = run.violations();
    if (problems.length > 0) {
      throw new InvariantError(
        `${problems.length} broken invariant(s):\n  ${problems.join('\n  ')}\n` +
          `operations:\n  ${operations.map((o, i) => `${i}: ${describeOperation(o)}`).join('\n  ')}`,
      );
    }
  } finally {
    await pool?.close();
    await backend.close();
  }
}
