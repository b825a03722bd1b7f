import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { from, type Observable } from 'rxjs';
import type { GrpcPoolCallOptions } from '../../../lib/index.js';
import type { EchoAsyncService, EchoRequest, EchoService } from '../echo-client.js';
import { WIRE_HOLD, WIRE_RESET, WIRE_STATUS } from '../wire-front.js';
import type { CallRecord } from './call-record.js';
import type { Behaviour } from './operations.js';

/** The two facades of one pool, on the echo service. */
export interface Facades {
  observable: EchoService;
  async: EchoAsyncService;
}

/** Messages of a server stream, and of a client or bidi request stream. */
const STREAM_LENGTH = 3;

/** The front's metadata for the behaviours it plays; the others are in the request. */
function metadataFor(behaviour: Behaviour): Metadata {
  const metadata = new Metadata();
  if (behaviour.is === 'wireStatus') metadata.set(WIRE_STATUS, behaviour.status);
  if (behaviour.is === 'reset') metadata.set(WIRE_RESET, '1');
  if (behaviour.is === 'hold') metadata.set(WIRE_HOLD, 'until-release');
  if (behaviour.is === 'holdForever') metadata.set(WIRE_HOLD, 'forever');
  return metadata;
}

const failWith = (behaviour: Behaviour): number => (behaviour.is === 'fail' ? behaviour.code : 0);

/** A request stream whose last request carries the failure the behaviour asks for. */
function requestsFor(behaviour: Behaviour): EchoRequest[] {
  return Array.from({ length: STREAM_LENGTH }, (_, i) => ({
    message: String(i),
    failWith: i === STREAM_LENGTH - 1 ? failWith(behaviour) : 0,
  }));
}

const codeOf = (error: unknown): number => {
  const code = (error as Partial<ServiceError> | undefined)?.code;
  return typeof code === 'number' ? code : -1000;
};
const detailsOf = (error: unknown): string =>
  String((error as Partial<ServiceError> | undefined)?.details ?? error);

/**
 * Starts the call a record describes, through its facade, and records every way it settles.
 * A facade method that throws instead of failing its call is recorded so (`thrown`), for the
 * invariants to report.
 */
export function startCall(
  facades: Facades,
  record: CallRecord,
  options: GrpcPoolCallOptions,
): void {
  try {
    startThroughFacade(facades, record, options);
  } catch (error: unknown) {
    record.recordSettlement('thrown', codeOf(error), detailsOf(error));
  }
}

function startThroughFacade(
  facades: Facades,
  record: CallRecord,
  options: GrpcPoolCallOptions,
): void {
  const { facade, kind, behaviour } = record.operation;
  const metadata = metadataFor(behaviour);
  const count = {
    count: STREAM_LENGTH,
    intervalMs: behaviour.is === 'slowStream' ? 5 : 0,
    failWith: failWith(behaviour),
  };
  const request: EchoRequest = { message: `call-${record.index}`, failWith: failWith(behaviour) };
  if (facade === 'observable') {
    const service = facades.observable;
    const call$: Observable<unknown> =
      kind === 'unary'
        ? service.echo(request, metadata, options)
        : kind === 'serverStream'
          ? service.count(count, metadata, options)
          : kind === 'clientStream'
            ? service.collect(from(requestsFor(behaviour)), metadata, options)
            : service.chat(from(requestsFor(behaviour)), metadata, options);
    call$.subscribe({
      next: () => record.message(),
      error: (error: unknown) => record.recordSettlement('error', codeOf(error), detailsOf(error)),
      complete: () => record.recordSettlement('complete', 0),
    });
    return;
  }
  const service = facades.async;
  if (kind === 'unary' || kind === 'clientStream') {
    const answer =
      kind === 'unary'
        ? service.echo(request, metadata, options)
        : service.collect(requestsFor(behaviour), metadata, options);
    answer.then(
      () => record.recordSettlement('resolve', 0),
      (error: unknown) => record.recordSettlement('reject', codeOf(error), detailsOf(error)),
    );
    return;
  }
  const responses =
    kind === 'serverStream'
      ? service.count(count, metadata, options)
      : service.chat(requestsFor(behaviour), metadata, options);
  void (async () => {
    try {
      for await (const _ of responses) record.message();
      record.recordSettlement('end', 0);
    } catch (error: unknown) {
      record.recordSettlement('throw', codeOf(error), detailsOf(error));
    }
  })();
}
