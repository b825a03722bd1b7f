/**
 * Compile-time checks of the typed-client helpers against real ts-proto
 * output (test/fixtures/typed/echo.ts). Never run: `tsc -p tsconfig.json`
 * and test/heavy/facades/typed-client-types.e2e-spec.ts compile it. Every
 * `@ts-expect-error` line must fail to compile for the reason it gives; the
 * spec also proves each one does once its directive is removed.
 */
import { Metadata } from '@grpc/grpc-js';
import { of, type Observable } from 'rxjs';
import type {
  GrpcDeepPartial,
  GrpcPool,
  PooledAsyncService,
  PooledService,
} from '../../lib/index.js';
import {
  EchoServiceDefinition,
  type CountRequest,
  type EchoReply,
  type EchoRequest,
  type EchoServiceClient,
} from '../fixtures/typed/echo.js';

const request: EchoRequest = { message: 'hi', failWith: 0, failTimes: 0, key: '', pushbackMs: 0 };
const countRequest: CountRequest = { count: 3, intervalMs: 0, failWith: 0 };

export function observableService(pool: GrpcPool): Observable<EchoReply>[] {
  const echo = pool.getService<PooledService<EchoServiceClient>>('EchoService');
  const signal = new AbortController().signal;
  const typed: Observable<EchoReply>[] = [
    echo.echo(request),
    echo.echo(request, new Metadata(), {
      timeoutMs: 100,
      retry: { maxAttempts: 2 },
      idempotent: true,
      onHeader: (headers: Metadata) => headers.get('x-id'),
      onTrailer: () => undefined,
      signal,
    }),
    echo.count(countRequest, undefined, { waitForReady: true }),
    echo.collect(of(request), undefined, { retry: false }),
    echo.chat(of(request, request)),
  ];

  // @ts-expect-error: EchoService has no method shout
  echo.shout(request);
  // @ts-expect-error: Echo takes an EchoRequest, not a SlowRequest
  echo.echo({ delayMs: 5, message: 'x' });
  // @ts-expect-error: timeoutMS is not a pool option (timeoutMs is)
  echo.echo(request, undefined, { timeoutMS: 100 });
  // @ts-expect-error: getService() takes a request stream as an Observable only
  echo.collect([request]);
  // @ts-expect-error: Echo replies with an EchoReply, which has no count
  echo.echo(request).subscribe((reply) => reply.count);
  return typed;
}

export async function asyncService(pool: GrpcPool): Promise<string[]> {
  const echo = pool.getAsyncService(EchoServiceDefinition);
  const signal = AbortSignal.timeout(1000);
  const seen: string[] = [];

  const reply: EchoReply = await echo.echo({ message: 'hi' }, undefined, { signal });
  seen.push(reply.message);
  for await (const counted of echo.count({ count: 3 }, new Metadata(), { timeoutMs: 500 })) {
    seen.push(counted.message);
  }
  const fromArray: EchoReply = await echo.collect([{ message: 'a' }, { message: 'b' }]);
  const fromObservable: EchoReply = await echo.collect(of({ message: 'c' }));
  const fromGenerator: EchoReply = await echo.collect(
    (async function* () {
      yield { message: 'd' };
    })(),
  );
  seen.push(fromArray.message, fromObservable.message, fromGenerator.message);
  for await (const chatted of echo.chat([request], undefined, { onHeader: () => undefined })) {
    seen.push(chatted.peer);
  }

  const byName = pool.getAsyncService<PooledAsyncService<EchoServiceDefinition>>('EchoService');
  seen.push((await byName.slow({ delayMs: 1 })).message);

  // @ts-expect-error: EchoService has no method shout
  await echo.shout({});
  // @ts-expect-error: message is a string
  await echo.echo({ message: 5 });
  // @ts-expect-error: EchoRequest has no field nope
  await echo.echo({ nope: true });
  // @ts-expect-error: a unary call returns a Promise, not an async iterable
  for await (const never of echo.echo({})) seen.push(String(never));
  // @ts-expect-error: a server stream is an async iterator, not a Promise of one reply
  const notOne: EchoReply = await echo.count({});
  // @ts-expect-error: a request stream, not a single message
  await echo.collect({ message: 'a' });
  // @ts-expect-error: a string is not a stream of messages
  await echo.collect('abc');
  // @ts-expect-error: signal is an AbortSignal
  await echo.echo({}, undefined, { signal: 'abort' });
  return [...seen, notOne.message];
}

/** A definition not written `as const`: which sides stream is only `boolean`. */
interface LooseDefinition {
  name: string;
  fullName: string;
  methods: {
    collect: {
      requestType: typeof EchoServiceDefinition.methods.collect.requestType;
      responseType: typeof EchoServiceDefinition.methods.collect.responseType;
      requestStream: boolean;
      responseStream: boolean;
    };
  };
}

export async function looselyTypedDefinition(
  pool: GrpcPool,
  loose: LooseDefinition,
): Promise<unknown> {
  const echo = pool.getAsyncService(loose);
  // Either shape of request is allowed, and either shape of response comes back.
  const fromArray = await echo.collect([{ message: 'a' }]);
  // @ts-expect-error: a loosely typed method may stream its response: not one EchoReply
  const one: EchoReply = await echo.collect({ message: 'b' });
  return [fromArray, one];
}

export function partialRequests(): GrpcDeepPartial<{ ids: string[]; nested: { ok: boolean } }>[] {
  const ids: readonly string[] = ['a', 'b'];
  return [{ ids }, { nested: {} }, {}];
}
