import fc from 'fast-check';

/**
 * The operations a property run applies to a real pool, as plain data: a shrunk counterexample
 * prints as a readable list (`call async bidi fail:5 deadline:none abort:own`, `backendDown`, ...).
 */

export type Facade = 'observable' | 'async';
export type CallKind = 'unary' | 'serverStream' | 'clientStream' | 'bidi';

/** What the server does with the call; chosen by the request (message fields or front metadata). */
export type Behaviour =
  | { is: 'ok' }
  | { is: 'fail'; code: number }
  /** The raw front answers with this `grpc-status` text, verbatim. */
  | { is: 'wireStatus'; status: string }
  /** The raw front resets the stream (RST_STREAM INTERNAL_ERROR). */
  | { is: 'reset' }
  /** Held by the front until a `release` operation (or the run's end). */
  | { is: 'hold' }
  /** Held by the front for ever: only a deadline, an abort, a dead backend or close() ends it. */
  | { is: 'holdForever' }
  /** A server stream whose messages come 5 ms apart (unary kinds: as ok). */
  | { is: 'slowStream' };

export type Deadline =
  | { is: 'none' }
  /** `generous`: the liveness probes' own (a hang guard, never drawn for a sequence). */
  | { is: 'valid'; timeoutMs: number; label: 'zero' | 'tiny' | 'short' | 'huge' | 'generous' }
  /** Not a valid `timeoutMs`: the call must fail INVALID_ARGUMENT and hold nothing. */
  | { is: 'invalid'; timeoutMs: unknown };

/** `before`: the signal is aborted already; `own`: a later `abortCall` aborts it; `shared`: the run's one signal. */
export type Abort = 'none' | 'before' | 'own' | 'shared';

export interface CallOperation {
  op: 'call';
  facade: Facade;
  kind: CallKind;
  behaviour: Behaviour;
  deadline: Deadline;
  abort: Abort;
}

export type Operation =
  | CallOperation
  /** Passes on the calls the front holds until release. */
  | { op: 'release' }
  /** Aborts the own signal of the n-th call made so far (modulo their number). */
  | { op: 'abortCall'; nth: number }
  /** Aborts the signal shared by every call made with `abort: 'shared'`. */
  | { op: 'abortShared' }
  /**
   * The backend dies as a SIGKILL looks to a client: connections reset, the port refuses. On a
   * fleet: every backend dies, and `backendUp` brings every one back.
   */
  | { op: 'backendDown' }
  | { op: 'backendUp' }
  /** On a fleet: one backend (an index into the fleet) dies, or comes back. */
  | { op: 'oneBackendDown'; index: number }
  | { op: 'oneBackendUp'; index: number }
  /**
   * Lets the event loop turn (ms 0: one setImmediate), so calls move on between operations; the
   * longest lets channels come of age (maxConnectionAgeMs) while calls run.
   */
  | { op: 'pause'; ms: number }
  /** `close()` without waiting: the pool drains while the run goes on. */
  | { op: 'close' }
  /** The DNS name answers with these backends now (an index past the fleet: a dead address). */
  | { op: 'dnsMove'; backends: number[] };

/** Above every valid deadline: grpc-js cannot send it. */
const MAX_DURATION_MS = 2_147_483_647;

/** grpc-status texts outside 0-16 (what a buggy or hostile backend sends): the caller sees UNKNOWN. */
const ODD_WIRE_STATUSES = ['50000000', '-1', 'abc', '2.5', '17'];
/** Valid codes sent by the raw front, trailers-only. */
const VALID_WIRE_STATUSES = ['5', '14', '16'];

/** The codes a server can fail a call with (OK excluded). */
const failureCode = fc.integer({ min: 1, max: 16 });

export const behaviourArb: fc.Arbitrary<Behaviour> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ is: 'ok' } as const) },
  { weight: 2, arbitrary: failureCode.map((code) => ({ is: 'fail', code }) as const) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...VALID_WIRE_STATUSES, ...ODD_WIRE_STATUSES)
      .map((status) => ({ is: 'wireStatus', status }) as const),
  },
  { weight: 1, arbitrary: fc.constant({ is: 'reset' } as const) },
  { weight: 2, arbitrary: fc.constant({ is: 'hold' } as const) },
  { weight: 2, arbitrary: fc.constant({ is: 'holdForever' } as const) },
  { weight: 1, arbitrary: fc.constant({ is: 'slowStream' } as const) },
);

export const deadlineArb: fc.Arbitrary<Deadline> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ is: 'none' } as const) },
  { weight: 1, arbitrary: fc.constant({ is: 'valid', timeoutMs: 0, label: 'zero' } as const) },
  { weight: 1, arbitrary: fc.constant({ is: 'valid', timeoutMs: 1, label: 'tiny' } as const) },
  { weight: 2, arbitrary: fc.constant({ is: 'valid', timeoutMs: 150, label: 'short' } as const) },
  {
    weight: 1,
    arbitrary: fc.constant({ is: 'valid', timeoutMs: MAX_DURATION_MS, label: 'huge' } as const),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<unknown>(-1, Number.NaN, MAX_DURATION_MS + 1, '100')
      .map((timeoutMs) => ({ is: 'invalid', timeoutMs }) as const),
  },
);

export const callArb: fc.Arbitrary<CallOperation> = fc.record({
  op: fc.constant('call' as const),
  facade: fc.constantFrom<Facade>('observable', 'async'),
  kind: fc.constantFrom<CallKind>('unary', 'serverStream', 'clientStream', 'bidi'),
  behaviour: behaviourArb,
  deadline: deadlineArb,
  abort: fc.constantFrom<Abort>('none', 'none', 'before', 'own', 'shared'),
});

const commonOperations = [
  { weight: 10, arbitrary: callArb },
  { weight: 2, arbitrary: fc.constant({ op: 'release' } as const) },
  {
    weight: 2,
    arbitrary: fc.nat({ max: 19 }).map((nth) => ({ op: 'abortCall', nth }) as const),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'abortShared' } as const) },
  { weight: 1, arbitrary: fc.constant({ op: 'backendDown' } as const) },
  { weight: 1, arbitrary: fc.constant({ op: 'backendUp' } as const) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(0, 5, 30, 150).map((ms) => ({ op: 'pause', ms }) as const),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'close' } as const) },
];

/**
 * `fleetSize`: with a DNS fleet of that many backends, the name's answer moves too, and its
 * backends die and come back one by one as well as all together.
 */
export function operationArb(fleetSize: number | undefined): fc.Arbitrary<Operation> {
  if (fleetSize === undefined) return fc.oneof(...commonOperations);
  const dnsMove = fc
    .uniqueArray(fc.nat({ max: fleetSize }), { minLength: 1, maxLength: fleetSize + 1 })
    .map((backends) => ({ op: 'dnsMove', backends }) as const);
  const backend = fc.nat({ max: fleetSize - 1 });
  return fc.oneof(
    ...commonOperations,
    { weight: 3, arbitrary: dnsMove },
    { weight: 1, arbitrary: backend.map((index) => ({ op: 'oneBackendDown', index }) as const) },
    { weight: 2, arbitrary: backend.map((index) => ({ op: 'oneBackendUp', index }) as const) },
  );
}

/**
 * A call that may last until close(): held for ever, with no deadline that can pass in a run
 * and no signal aborted already. It holds its slot to the end.
 */
export const mayLastUntilClose = (operation: Operation): boolean =>
  operation.op === 'call' &&
  operation.behaviour.is === 'holdForever' &&
  (operation.deadline.is === 'none' ||
    (operation.deadline.is === 'valid' && operation.deadline.label === 'huge')) &&
  operation.abort !== 'before';

/** One line per operation, for the seed log and failure messages. */
export function describeOperation(operation: Operation): string {
  switch (operation.op) {
    case 'call': {
      const { facade, kind, behaviour, deadline, abort } = operation;
      const how =
        behaviour.is === 'fail'
          ? `fail:${behaviour.code}`
          : behaviour.is === 'wireStatus'
            ? `wireStatus:${behaviour.status}`
            : behaviour.is;
      const when =
        deadline.is === 'none'
          ? 'none'
          : deadline.is === 'valid'
            ? `${deadline.label}(${deadline.timeoutMs})`
            : `invalid(${String(deadline.timeoutMs)})`;
      return `call ${facade} ${kind} ${how} deadline:${when} abort:${abort}`;
    }
    case 'abortCall':
      return `abortCall #${operation.nth}`;
    case 'pause':
      return `pause ${operation.ms}ms`;
    case 'dnsMove':
      return `dnsMove [${operation.backends.join(',')}]`;
    case 'oneBackendDown':
    case 'oneBackendUp':
      return `${operation.op} #${operation.index}`;
    default:
      return operation.op;
  }
}
