import {
  Metadata,
  status,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Param, UseFilters, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { firstValueFrom, toArray } from 'rxjs';
import {
  grpcStatusError,
  statusDetailsOf,
  type GrpcPool,
  GrpcToHttpExceptionFilter,
  InjectGrpcPool,
  type GrpcStatusDetailInput,
  type GrpcStatusErrorOptions,
} from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoAsyncService, type EchoService } from '../support/echo-client.js';
import { serveEcho } from '../support/echo-grpc-server.js';
import { startEchoHttpApp, type EchoHttpApp } from '../support/echo-http-app.js';
import { startEchoMicroservice, type EchoMicroservice } from '../support/echo-microservice.js';
import { failure } from '../support/failure.js';

const RPC = 'type.googleapis.com/google.rpc.';

/** One of every standard detail type, as a server sends them. */
const EVERY_DETAIL: GrpcStatusDetailInput[] = [
  {
    '@type': `${RPC}ErrorInfo`,
    reason: 'OUT_OF_STOCK',
    domain: 'shop.example',
    metadata: { sku: 'a-1' },
  },
  { '@type': `${RPC}RetryInfo`, retryDelay: { seconds: 2, nanos: 500_000_000 } },
  { '@type': `${RPC}DebugInfo`, stackEntries: ['at order.ts:12'], detail: 'internal' },
  {
    '@type': `${RPC}QuotaFailure`,
    violations: [{ subject: 'user:1', description: 'daily limit' }],
  },
  {
    '@type': `${RPC}PreconditionFailure`,
    violations: [{ type: 'TOS', subject: 'user:1', description: 'terms not accepted' }],
  },
  {
    '@type': `${RPC}BadRequest`,
    fieldViolations: [
      { field: 'quantity', description: 'must be at least 1' },
      { field: 'sku', description: 'unknown', reason: 'UNKNOWN_SKU' },
    ],
  },
  { '@type': `${RPC}RequestInfo`, requestId: 'req-7', servingData: 'pod-3' },
  {
    '@type': `${RPC}ResourceInfo`,
    resourceType: 'order',
    resourceName: 'orders/9',
    owner: 'user:1',
    description: 'not found',
  },
  { '@type': `${RPC}Help`, links: [{ description: 'docs', url: 'https://example.com/help' }] },
  { '@type': `${RPC}LocalizedMessage`, locale: 'fr-FR', message: 'quantité invalide' },
  { '@type': 'type.googleapis.com/acme.v1.Custom', value: new Uint8Array([1, 2, 3]) },
];

/** What the client decodes them to: every field present, as the public types say. */
const DECODED = [
  {
    '@type': `${RPC}ErrorInfo`,
    reason: 'OUT_OF_STOCK',
    domain: 'shop.example',
    metadata: { sku: 'a-1' },
  },
  { '@type': `${RPC}RetryInfo`, retryDelay: { seconds: 2, nanos: 500_000_000 } },
  { '@type': `${RPC}DebugInfo`, stackEntries: ['at order.ts:12'], detail: 'internal' },
  {
    '@type': `${RPC}QuotaFailure`,
    violations: [
      {
        subject: 'user:1',
        description: 'daily limit',
        apiService: '',
        quotaMetric: '',
        quotaId: '',
        quotaDimensions: {},
        quotaValue: 0,
      },
    ],
  },
  {
    '@type': `${RPC}PreconditionFailure`,
    violations: [{ type: 'TOS', subject: 'user:1', description: 'terms not accepted' }],
  },
  {
    '@type': `${RPC}BadRequest`,
    fieldViolations: [
      { field: 'quantity', description: 'must be at least 1', reason: '', localizedMessage: null },
      { field: 'sku', description: 'unknown', reason: 'UNKNOWN_SKU', localizedMessage: null },
    ],
  },
  { '@type': `${RPC}RequestInfo`, requestId: 'req-7', servingData: 'pod-3' },
  {
    '@type': `${RPC}ResourceInfo`,
    resourceType: 'order',
    resourceName: 'orders/9',
    owner: 'user:1',
    description: 'not found',
  },
  { '@type': `${RPC}Help`, links: [{ description: 'docs', url: 'https://example.com/help' }] },
  { '@type': `${RPC}LocalizedMessage`, locale: 'fr-FR', message: 'quantité invalide' },
  { '@type': 'type.googleapis.com/acme.v1.Custom', value: new Uint8Array([1, 2, 3]) },
];

/** Errors the server answers by request message, for the HTTP filter. */
const ANSWERS: Record<string, GrpcStatusErrorOptions> = {
  bad: {
    code: status.INVALID_ARGUMENT,
    message: 'invalid order',
    details: [
      {
        '@type': `${RPC}BadRequest`,
        fieldViolations: [
          { field: 'quantity', description: 'must be at least 1', reason: 'TOO_SMALL' },
          { field: 'sku', description: 'unknown product' },
        ],
      },
      { '@type': `${RPC}ErrorInfo`, reason: 'INVALID_ORDER', domain: 'shop.example' },
      { '@type': `${RPC}DebugInfo`, stackEntries: ['at secret.ts:1'], detail: 'db=10.0.0.7' },
    ],
  },
  quota: {
    code: status.RESOURCE_EXHAUSTED,
    message: 'daily limit reached',
    details: [
      { '@type': `${RPC}RetryInfo`, retryDelay: { seconds: 1, nanos: 200_000_000 } },
      { '@type': `${RPC}ErrorInfo`, reason: 'DAILY_LIMIT', domain: 'shop.example' },
    ],
  },
  'garbled-bad-request': {
    code: status.INVALID_ARGUMENT,
    message: 'invalid order',
    details: [
      // Bytes that do not decode as a BadRequest (a length past the end).
      { '@type': `${RPC}BadRequest`, value: new Uint8Array([0x0a, 0x05, 0xff, 0xff]) },
      { '@type': `${RPC}ErrorInfo`, reason: 'KEPT' },
    ],
  },
  busy: {
    code: status.UNAVAILABLE,
    message: 'overloaded at 10.0.0.7',
    details: [
      { '@type': `${RPC}RetryInfo`, retryDelay: { seconds: 3, nanos: 0 } },
      { '@type': `${RPC}DebugInfo`, stackEntries: ['at pool.ts:9'], detail: 'queue=812' },
    ],
  },
};

interface DetailsServer {
  address: string;
  /** When each attempt of a 'later:<key>:<ms>' call arrived (epoch ms). */
  attempts: Map<string, number[]>;
  close(): Promise<void>;
}

/**
 * A grpc-js server whose Echo fails with every detail type (or, for the
 * message 'malformed', with a details trailer that is not a Status), and
 * whose Count streams two messages, then fails the same way.
 */
async function startDetailsServer(): Promise<DetailsServer> {
  const errorFor = (message: string) => {
    const answer = ANSWERS[message];
    if (answer !== undefined) return grpcStatusError(answer);
    if (message !== 'malformed') {
      return grpcStatusError({
        code: status.INVALID_ARGUMENT,
        message: 'bad order',
        details: EVERY_DETAIL,
      });
    }
    const metadata = new Metadata();
    metadata.set('grpc-status-details-bin', Buffer.from([0xff, 0xff, 0xff, 0x01]));
    metadata.set('x-kept', 'yes');
    return { code: status.FAILED_PRECONDITION, details: 'garbled', metadata };
  };
  const attempts = new Map<string, number[]>();
  const { server, address } = await serveEcho({
    Echo: (call: ServerUnaryCall<{ message: string }, object>, callback: sendUnaryData<object>) => {
      const { message } = call.request;
      // 'later:<key>:<ms>': the first attempt asks, with a RetryInfo, to be retried after <ms>.
      if (message.startsWith('later:')) {
        const [, key, ms] = message.split(':');
        const seen = attempts.get(key) ?? [];
        seen.push(Date.now());
        attempts.set(key, seen);
        if (seen.length > 1) return callback(null, { message: 'served' });
        const delay = Number(ms);
        return callback(
          grpcStatusError({
            code: status.UNAVAILABLE,
            message: 'busy, come back later',
            details: [
              {
                '@type': `${RPC}RetryInfo`,
                retryDelay: { seconds: Math.floor(delay / 1000), nanos: (delay % 1000) * 1e6 },
              },
            ],
          }),
        );
      }
      callback(errorFor(message));
    },
    Count: (call: ServerWritableStream<{ count: number }, object>) => {
      call.write({ message: '0' });
      call.write({ message: '1' });
      call.emit('error', errorFor(''));
    },
  });
  return {
    address,
    attempts,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

describe('rich error details (google.rpc.Status in grpc-status-details-bin)', () => {
  let server: DetailsServer;
  let pool: GrpcPool;

  beforeAll(async () => {
    server = await startDetailsServer();
    pool = createEchoPool(server.address);
  });
  afterAll(() => closeTestPool(pool, server));

  it('every standard detail type reaches error.statusDetails through getService(), code and details unchanged', async () => {
    const echo = pool.getService<EchoService>('EchoService');
    const error = await failure(firstValueFrom(echo.echo({ message: 'x' })));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toBe('bad order');
    expect(error.metadata.get('grpc-status-details-bin')).toHaveLength(1);
    expect(statusDetailsOf(error)).toEqual(DECODED);
    // Not enumerable: serializing the error does not print the server's details.
    expect(Object.keys(error)).not.toContain('statusDetails');
    expect(JSON.stringify(error)).not.toContain('OUT_OF_STOCK');
  });

  it('and through getAsyncService(), on a failed stream after its messages', async () => {
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    expect(statusDetailsOf(await failure(echo.echo({ message: 'x' })))).toEqual(DECODED);
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const reply of echo.count({ count: 2 })) seen.push(reply.message);
      })(),
    );
    expect(seen).toEqual(['0', '1']);
    expect(statusDetailsOf(error)).toEqual(DECODED);
    const streamed = await failure(
      firstValueFrom(
        pool.getService<EchoService>('EchoService').count({ count: 2 }).pipe(toArray()),
      ),
    );
    expect(statusDetailsOf(streamed)).toEqual(DECODED);
  });

  it('a malformed details trailer leaves the error as it was, with no details', async () => {
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    const error = await failure(echo.echo({ message: 'malformed' }));
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.details).toBe('garbled');
    expect(error.metadata.get('x-kept')).toEqual(['yes']);
    expect(statusDetailsOf(error)).toEqual([]);
  });

  it('errors without details, and values that are not errors, have none', async () => {
    expect(statusDetailsOf(new Error('plain'))).toEqual([]);
    expect(statusDetailsOf(undefined)).toEqual([]);
    expect(statusDetailsOf('INVALID_ARGUMENT')).toEqual([]);
  });

  it('a retry waits the delay a RetryInfo asks for, not the client backoff', async () => {
    const retrying = createEchoPool(server.address, {
      defaultCallOptions: {
        retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 5 },
      },
      methods: { 'EchoService/Echo': { idempotent: true } },
    });
    try {
      const echo = retrying.getAsyncService<EchoAsyncService>('EchoService');
      expect((await echo.echo({ message: 'later:wait:300' })).message).toBe('served');
      // As the server saw it: the second attempt came at least the 300 ms it asked for after the
      // first, not the 1-5 ms backoff. A lower bound, which load can only make truer.
      const [first, second] = server.attempts.get('wait')!;
      expect(second - first).toBeGreaterThanOrEqual(290);
      // Within the deadline only: a delay longer than the time left gives the server's answer
      // at once (its RetryInfo with it). Had the client waited, the 4 s deadline would have
      // passed during the 5 s wait and the call would have ended DEADLINE_EXCEEDED instead.
      const error = await failure(
        echo.echo({ message: 'later:deadline:5000' }, undefined, { timeoutMs: 4000 }),
      );
      expect(error.code).toBe(status.UNAVAILABLE);
      expect(statusDetailsOf(error)).toEqual([
        { '@type': `${RPC}RetryInfo`, retryDelay: { seconds: 5, nanos: 0 } },
      ]);
      expect(server.attempts.get('deadline')).toHaveLength(1);
      // A delay no timer can wait means: do not retry.
      const never = await failure(
        echo.echo({ message: `later:never:${2 ** 31 * 10}` }, undefined, { timeoutMs: 2000 }),
      );
      expect(never.code).toBe(status.UNAVAILABLE);
      expect(server.attempts.get('never')).toHaveLength(1);
    } finally {
      await retrying.close();
    }
  });

  it('grpcStatusError() refuses details it cannot send: too large, not a list, without a type', () => {
    const violations = Array.from({ length: 10_000 }, (_, i) => ({
      field: `items[${i}].quantity`,
      description: 'must be at least 1',
    }));
    expect(() =>
      grpcStatusError({
        code: status.INVALID_ARGUMENT,
        message: 'x',
        details: [{ '@type': `${RPC}BadRequest`, fieldViolations: violations }],
      }),
    ).toThrow(/details encode to \d+ bytes, over 16384/);
    expect(() =>
      grpcStatusError({
        code: status.INVALID_ARGUMENT,
        message: 'x',
        details: { '@type': `${RPC}BadRequest` } as unknown as GrpcStatusDetailInput[],
      }),
    ).toThrow(/details must be an array/);
    expect(() =>
      grpcStatusError({
        code: status.INVALID_ARGUMENT,
        message: 'x',
        details: [null, { reason: 'no type' }] as unknown as GrpcStatusDetailInput[],
      }),
    ).toThrow(/details\[0\] must be an object with a string '@type'/);
  });

  it('a standard detail whose bytes do not decode is left out; the others stay', async () => {
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    const error = await failure(echo.echo({ message: 'garbled-bad-request' }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(statusDetailsOf(error)).toEqual([
      { '@type': `${RPC}ErrorInfo`, reason: 'KEPT', domain: '', metadata: {} },
    ]);
  });

  it('grpcStatusError() refuses OK and unknown codes, and a detail type it cannot encode', () => {
    expect(() => grpcStatusError({ code: status.OK, message: 'fine' })).toThrow(/other than OK/);
    expect(() => grpcStatusError({ code: 42 as status, message: 'x' })).toThrow(/other than OK/);
    expect(() =>
      grpcStatusError({
        code: status.INTERNAL,
        message: 'x',
        details: [{ '@type': `${RPC}NoSuchDetail` } as unknown as GrpcStatusDetailInput],
      }),
    ).toThrow(/no google\.rpc detail type/);
  });
});

@Controller()
class FieldViolationsController {
  @GrpcMethod('OtherService', 'Ping')
  ping(): never {
    throw new RpcException(
      grpcStatusError({
        code: status.INVALID_ARGUMENT,
        message: 'invalid order',
        details: [
          {
            '@type': `${RPC}BadRequest`,
            fieldViolations: [{ field: 'quantity', description: 'must be at least 1' }],
          },
        ],
      }),
    );
  }
}

describe('grpcStatusError() from a Nest gRPC microservice', () => {
  let microservice: EchoMicroservice;
  let pool: GrpcPool;

  beforeAll(async () => {
    microservice = await startEchoMicroservice({ controllers: [FieldViolationsController] });
    pool = createEchoPool(microservice.address);
  });
  afterAll(async () => {
    await pool.close();
    await microservice.close();
  });

  it('throw new RpcException(grpcStatusError(...)) reaches a pooled client as code, message and field violations', async () => {
    const other = pool.getAsyncService<{ ping(request: object): Promise<object> }>('OtherService');
    const error = await failure(other.ping({ message: 'x' }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toBe('invalid order');
    expect(statusDetailsOf(error)).toEqual([
      {
        '@type': `${RPC}BadRequest`,
        fieldViolations: [
          {
            field: 'quantity',
            description: 'must be at least 1',
            reason: '',
            localizedMessage: null,
          },
        ],
      },
    ]);
  });
});

@Controller('orders')
class OrdersHttpController {
  constructor(@InjectGrpcPool('ECHO') private readonly pool: GrpcPool) {}

  @Get(':answer')
  order(@Param('answer') answer: string): Promise<object> {
    return this.pool.getAsyncService<EchoAsyncService>('EchoService').echo({ message: answer });
  }
}

@Controller('filtered')
@UseFilters(new GrpcToHttpExceptionFilter())
class FilteredWithNewController extends OrdersHttpController {}

describe.each<[string, Type[], boolean]>([
  ['registered as APP_FILTER (answers through the HTTP adapter)', [OrdersHttpController], true],
  [
    'created with new in @UseFilters (answers through the response)',
    [FilteredWithNewController],
    false,
  ],
])('GrpcToHttpExceptionFilter with error details, %s', (_how, controllers, asAppFilter) => {
  let server: DetailsServer;
  let http: EchoHttpApp;
  const path = asAppFilter ? 'orders' : 'filtered';

  beforeAll(async () => {
    server = await startDetailsServer();
    http = await startEchoHttpApp({
      controllers,
      providers: asAppFilter ? [{ provide: APP_FILTER, useClass: GrpcToHttpExceptionFilter }] : [],
      client: { url: server.address },
    });
  });
  afterAll(async () => {
    await http.close();
    await server.close();
  });

  it('a BadRequest is a 400 listing each field and what is wrong with it; DebugInfo is never sent', async () => {
    const response = await fetch(`${http.base}/${path}/bad`);
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      statusCode: 400,
      error: 'INVALID_ARGUMENT',
      message: 'invalid order',
      fieldViolations: [
        { field: 'quantity', description: 'must be at least 1' },
        { field: 'sku', description: 'unknown product' },
      ],
      reason: 'INVALID_ORDER',
    });
    expect(text).not.toMatch(/secret|10\.0\.0\.7|stack/);
    expect(response.headers.get('retry-after')).toBeNull();
  });

  it('a RetryInfo becomes Retry-After (whole seconds, rounded up) on a 429 and a 503', async () => {
    const quota = await fetch(`${http.base}/${path}/quota`);
    expect(quota.status).toBe(429);
    expect(quota.headers.get('retry-after')).toBe('2');
    expect(await quota.json()).toEqual({
      statusCode: 429,
      error: 'RESOURCE_EXHAUSTED',
      message: 'daily limit reached',
      reason: 'DAILY_LIMIT',
    });
    const busy = await fetch(`${http.base}/${path}/busy`);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('3');
    const text = await busy.text();
    // A 5xx keeps its fixed text: neither the server's message nor its DebugInfo.
    expect(text).not.toMatch(/10\.0\.0\.7|queue=812|pool\.ts/);
  });

  it('a BadRequest that does not decode is a 400 without field violations, not a 500', async () => {
    const response = await fetch(`${http.base}/${path}/garbled-bad-request`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: 'INVALID_ARGUMENT',
      message: 'invalid order',
      reason: 'KEPT',
    });
  });

  it('a malformed details trailer changes nothing in the answer', async () => {
    const response = await fetch(`${http.base}/${path}/malformed`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: 'FAILED_PRECONDITION',
      message: 'garbled',
    });
  });
});
