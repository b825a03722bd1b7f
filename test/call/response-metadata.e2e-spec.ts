import { Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom, from, lastValueFrom, of, toArray, type Observable } from 'rxjs';
import type { GrpcPool, GrpcPoolCallOptions } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { collect } from '../support/collect.js';
import {
  createEchoPool,
  type EchoAsyncService,
  type EchoReply,
  type EchoService,
} from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';

/** The interop test `custom_metadata`'s request metadata: the server echoes both. */
function customMetadata(): Metadata {
  const metadata = new Metadata();
  metadata.set('x-grpc-test-echo-initial', 'test_initial_metadata_value');
  metadata.set('x-grpc-test-echo-trailing-bin', Buffer.from([0xab, 0xab, 0xab]));
  return metadata;
}

/** Options that record every header and trailer callback, in order. */
function recording(): {
  options: GrpcPoolCallOptions;
  seen: string[];
  headers: Metadata[];
  trailers: Metadata[];
} {
  const seen: string[] = [];
  const headers: Metadata[] = [];
  const trailers: Metadata[] = [];
  return {
    seen,
    headers,
    trailers,
    options: {
      onHeader: (metadata) => {
        seen.push('header');
        headers.push(metadata);
      },
      onTrailer: (metadata) => {
        seen.push('trailer');
        trailers.push(metadata);
      },
    },
  };
}

function expectEchoed(headers: Metadata[], trailers: Metadata[]): void {
  expect(headers).toHaveLength(1);
  expect(trailers).toHaveLength(1);
  expect(headers[0]!.get('x-grpc-test-echo-initial')).toEqual(['test_initial_metadata_value']);
  expect(trailers[0]!.get('x-grpc-test-echo-trailing-bin')).toEqual([
    Buffer.from([0xab, 0xab, 0xab]),
  ]);
}

describe('response metadata: onHeader and onTrailer on every call kind', () => {
  let server: EchoServer;
  let pool: GrpcPool;
  let echo: EchoService;
  let asyncEcho: EchoAsyncService;

  beforeAll(async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      defaultCallOptions: { retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 } },
    });
    echo = pool.getService<EchoService>('EchoService');
    asyncEcho = pool.getAsyncService<EchoAsyncService>('EchoService');
  });
  afterAll(() => closeTestPool(pool, server));

  /** Each call kind through each facade, as a promise of its responses. */
  const kinds: Record<
    string,
    (options: GrpcPoolCallOptions, failWith?: number) => Promise<EchoReply[]>
  > = {
    'unary (getService)': (options, failWith) =>
      lastValueFrom(
        echo.echo({ message: 'u', failWith }, customMetadata(), options).pipe(toArray()),
      ),
    'server streaming (getService)': (options, failWith) =>
      lastValueFrom(
        echo
          .count({ count: 3, intervalMs: 1, failWith }, customMetadata(), options)
          .pipe(toArray()),
      ),
    'client streaming (getService)': (options, failWith) =>
      lastValueFrom(
        echo
          .collect(of({ message: 'a' }, { message: 'b', failWith }), customMetadata(), options)
          .pipe(toArray()),
      ),
    'bidi (getService)': (options, failWith) =>
      lastValueFrom(
        echo
          .chat(of({ message: 'a' }, { message: 'b', failWith }), customMetadata(), options)
          .pipe(toArray()),
      ),
    'unary (getAsyncService)': async (options, failWith) => [
      await asyncEcho.echo({ message: 'u', failWith }, customMetadata(), options),
    ],
    'server streaming (getAsyncService)': (options, failWith) =>
      collect(asyncEcho.count({ count: 3, intervalMs: 1, failWith }, customMetadata(), options)),
    'client streaming (getAsyncService)': async (options, failWith) => [
      await asyncEcho.collect(
        [{ message: 'a' }, { message: 'b', failWith }],
        customMetadata(),
        options,
      ),
    ],
    'bidi (getAsyncService)': (options, failWith) =>
      collect(
        asyncEcho.chat(
          (async function* () {
            yield { message: 'a' };
            yield { message: 'b', failWith };
          })(),
          customMetadata(),
          options,
        ),
      ),
  };

  for (const [kind, call] of Object.entries(kinds)) {
    it(`${kind}: the echoed header before any response, the trailer once at the end`, async () => {
      const { options, seen, headers, trailers } = recording();
      const replies = await call(options);
      expect(replies.length).toBeGreaterThan(0);
      seen.push(`replies:${replies.length}`);
      expectEchoed(headers, trailers);
      expect(seen).toEqual(['header', 'trailer', `replies:${replies.length}`]);
    });

    it(`${kind}: on failure, the trailer too, and the error keeps its metadata`, async () => {
      const { options, headers, trailers } = recording();
      const error = await failure(call(options, status.FAILED_PRECONDITION));
      expect(error.code).toBe(status.FAILED_PRECONDITION);
      expectEchoed(headers, trailers);
      expect(error.metadata.get('x-failed-by')).toEqual(['echo-server']);
      expect(trailers[0]!.get('x-failed-by')).toEqual(['echo-server']);
    });
  }

  it('with retries, only the attempt whose result is delivered reports (success on attempt 3)', async () => {
    const { options, seen, headers, trailers } = recording();
    const reply = await firstValueFrom(
      echo.echo(
        { message: 'r', failWith: status.UNAVAILABLE, failTimes: 2, key: 'md-retry' },
        undefined,
        {
          ...options,
          idempotent: true,
        },
      ),
    );
    expect(reply.message).toBe('r');
    expect(server.attempts.get('md-retry')).toBe(3);
    expect(seen).toEqual(['header', 'trailer']);
    expect(headers[0]!.get('x-attempt')).toEqual(['3']);
    expect(trailers[0]!.get('x-attempt')).toEqual(['3']);
  });

  it('with retries exhausted, the last attempt reports, through getAsyncService too', async () => {
    const { options, seen, headers, trailers } = recording();
    const error = await failure(
      asyncEcho.echo(
        { message: 'x', failWith: status.UNAVAILABLE, key: 'md-exhausted' },
        undefined,
        { ...options, idempotent: true },
      ),
    );
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(server.attempts.get('md-exhausted')).toBe(3);
    expect(seen).toEqual(['header', 'trailer']);
    expect(headers[0]!.get('x-attempt')).toEqual(['3']);
    expect(trailers[0]!.get('x-attempt')).toEqual(['3']);
  });

  it('a stream reports its header as it arrives, before the first response', async () => {
    const live: string[] = [];
    await new Promise<void>((resolve, reject) =>
      echo
        .count({ count: 2, intervalMs: 20 }, customMetadata(), {
          onHeader: () => live.push('header'),
          onTrailer: () => live.push('trailer'),
        })
        .subscribe({
          next: (r) => live.push(`reply:${r.message}`),
          error: reject,
          complete: resolve,
        }),
    );
    expect(live).toEqual(['header', 'reply:0', 'reply:1', 'trailer']);
  });

  it('a callback that throws fails that call with its error, and frees its slot', async () => {
    const error = await failure(
      firstValueFrom(
        echo.echo({ message: 'boom' }, undefined, {
          onHeader: () => {
            throw new Error('header handler broke');
          },
        }),
      ),
    );
    expect(error.message).toContain('header handler broke');
    const trailerError = await failure(
      asyncEcho.echo({ message: 'boom' }, undefined, {
        onTrailer: () => {
          throw new Error('trailer handler broke');
        },
      }),
    );
    expect(trailerError.message).toContain('trailer handler broke');
    expect(pool.stats().inFlight).toBe(0);
  });

  it('rejects a callback that is not a function with INVALID_ARGUMENT', async () => {
    const bad = { onHeader: 'yes' } as unknown as GrpcPoolCallOptions;
    const error = await failure(asyncEcho.echo({ message: 'x' }, undefined, bad));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain('options.onHeader must be a function');
  });

  it('a request Observable built with from() works alongside the callbacks', async () => {
    const { options, headers, trailers } = recording();
    const requests: Observable<{ message: string }> = from([{ message: 'p' }, { message: 'q' }]);
    const reply = await firstValueFrom(echo.collect(requests, customMetadata(), options));
    expect(reply.message).toBe('p,q');
    expectEchoed(headers, trailers);
  });
});
