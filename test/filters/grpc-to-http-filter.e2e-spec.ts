import 'reflect-metadata';
import { status } from '@grpc/grpc-js';
import { Controller, Get, NotFoundException, Param, ParseIntPipe } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import {
  GrpcPool,
  GrpcToHttpExceptionFilter,
  InjectGrpcPool,
  httpStatusForGrpc,
  isGrpcServiceError,
} from '../../lib/index.js';
import type { EchoService } from '../support/echo-client.js';
import { startEchoHttpApp, type EchoHttpApp } from '../support/echo-http-app.js';
import { freePort } from '../support/free-port.js';

@Controller()
class FailingController {
  private readonly echo: EchoService;
  constructor(@InjectGrpcPool('ECHO') pool: GrpcPool) {
    this.echo = pool.getService<EchoService>('EchoService');
  }
  @Get('grpc/:code')
  grpc(@Param('code', ParseIntPipe) code: number) {
    return firstValueFrom(this.echo.echo({ message: `code ${code}`, failWith: code }));
  }
  @Get('plain-error')
  plain(): never {
    throw new Error('not a gRPC error');
  }
  @Get('http-exception')
  http(): never {
    throw new NotFoundException('no such page');
  }
  @Get('code-zero')
  codeZero(): never {
    throw Object.assign(new Error('odd'), { code: status.OK, details: 'not really ok' });
  }
}

/** Routes whose calls the pool itself fails: its queue is full, or the gateway's code passes a bad option. */
@Controller()
class PoolFaultController {
  private readonly echo: EchoService;
  constructor(@InjectGrpcPool('ECHO') pool: GrpcPool) {
    this.echo = pool.getService<EchoService>('EchoService');
  }
  @Get('exhausted')
  async exhausted() {
    // The one slot is held by the first call; the queue takes none.
    const holding = firstValueFrom(this.echo.slow({ delayMs: 200, message: 'holding' }));
    try {
      return await firstValueFrom(this.echo.echo({ message: 'overflow' }));
    } finally {
      await holding;
    }
  }
  @Get('bad-call-option')
  badCallOption() {
    const typo = { timeoutMS: 100 } as never;
    return firstValueFrom(this.echo.echo({ message: 'x' }, undefined, typo));
  }
}

describe('GrpcToHttpExceptionFilter in an express app', () => {
  let echoApp: EchoHttpApp;
  let base: string;

  beforeAll(async () => {
    echoApp = await startEchoHttpApp({
      controllers: [FailingController],
      providers: [{ provide: APP_FILTER, useClass: GrpcToHttpExceptionFilter }],
    });
    ({ base } = echoApp);
  });
  afterAll(async () => echoApp.close());

  const details = (code: status) => `failed on purpose: code ${code}`;
  it.each([
    [status.NOT_FOUND, 404, details(status.NOT_FOUND)],
    [status.INVALID_ARGUMENT, 400, details(status.INVALID_ARGUMENT)],
    [status.FAILED_PRECONDITION, 400, details(status.FAILED_PRECONDITION)],
    [status.OUT_OF_RANGE, 400, details(status.OUT_OF_RANGE)],
    [status.UNAUTHENTICATED, 401, details(status.UNAUTHENTICATED)],
    [status.PERMISSION_DENIED, 403, details(status.PERMISSION_DENIED)],
    [status.ALREADY_EXISTS, 409, details(status.ALREADY_EXISTS)],
    [status.ABORTED, 409, details(status.ABORTED)],
    [status.RESOURCE_EXHAUSTED, 429, details(status.RESOURCE_EXHAUSTED)],
    // 5xx: a fixed text per status, not the server's details.
    [status.UNIMPLEMENTED, 501, 'not implemented by the upstream service'],
    [status.UNAVAILABLE, 503, 'upstream service unavailable'],
    [status.DEADLINE_EXCEEDED, 504, 'upstream service timed out'],
    [status.CANCELLED, 500, 'upstream call cancelled'],
    [status.INTERNAL, 500, 'upstream service error'],
    [status.DATA_LOSS, 500, 'upstream service error'],
    [status.UNKNOWN, 500, 'upstream service error'],
  ])(
    'answers gRPC status %i with HTTP %i, the status name and %j, and no metadata',
    async (code, http, message) => {
      const response = await fetch(`${base}/grpc/${code}`);
      expect(response.status).toBe(http);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toEqual({ statusCode: http, error: status[code], message });
      expect(JSON.stringify(body)).not.toContain('echo-server');
    },
  );

  it('leaves other errors to Nest: a plain Error is a 500, an HttpException keeps its status', async () => {
    const plain = await fetch(`${base}/plain-error`);
    expect(plain.status).toBe(500);
    expect(await plain.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
    const http = await fetch(`${base}/http-exception`);
    expect(http.status).toBe(404);
    expect(((await http.json()) as { message: string }).message).toBe('no such page');
  });

  it('leaves an error with code OK (0) to Nest: a 500, never a 200', async () => {
    const response = await fetch(`${base}/code-zero`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
    expect(isGrpcServiceError(Object.assign(new Error('x'), { code: 0, details: 'x' }))).toBe(
      false,
    );
  });

  it('maps every status the issue lists, others to 500', () => {
    expect(httpStatusForGrpc(status.OK)).toBe(200);
    expect(httpStatusForGrpc(status.CANCELLED)).toBe(500);
  });
});

describe('GrpcToHttpExceptionFilter and transport failures', () => {
  let deadPort: number;
  const apps: EchoHttpApp[] = [];
  /** An app whose pool points at a port nothing listens on, with the filter registered globally. */
  async function startDeadBackendApp(filter: GrpcToHttpExceptionFilter): Promise<string> {
    const echoApp = await startEchoHttpApp({
      controllers: [FailingController],
      client: { url: `127.0.0.1:${deadPort}`, defaultCallOptions: { retry: false } },
      configure: (app) => app.useGlobalFilters(filter),
    });
    apps.push(echoApp);
    return echoApp.base;
  }

  beforeAll(async () => {
    deadPort = await freePort();
  });
  afterAll(async () => {
    await Promise.all(apps.map((echoApp) => echoApp.close()));
  });

  it('answers a refused connection with a fixed text: no address, no port, no errno', async () => {
    const base = await startDeadBackendApp(new GrpcToHttpExceptionFilter());
    const response = await fetch(`${base}/grpc/0`);
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      statusCode: 503,
      error: 'UNAVAILABLE',
      message: 'upstream service unavailable',
    });
    expect(text).not.toContain(String(deadPort));
    expect(text).not.toContain('ECONNREFUSED');
  });

  it('exposeServerErrorDetails: true sends the details of a refused connection', async () => {
    const base = await startDeadBackendApp(
      new GrpcToHttpExceptionFilter({ exposeServerErrorDetails: true }),
    );
    const refused = await fetch(`${base}/grpc/0`);
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { error: string; message: string };
    expect(body.error).toBe('UNAVAILABLE');
    expect(body.message).toContain(`ECONNREFUSED 127.0.0.1:${deadPort}`);
  });

  it('exposeServerErrorDetails: true with a live backend: 5xx and 4xx carry the details', async () => {
    const echoApp = await startEchoHttpApp({
      controllers: [FailingController],
      providers: [
        {
          provide: APP_FILTER,
          useValue: new GrpcToHttpExceptionFilter({ exposeServerErrorDetails: true }),
        },
      ],
    });
    apps.push(echoApp);
    for (const [code, http] of [
      [status.INTERNAL, 500],
      [status.NOT_FOUND, 404],
    ]) {
      const response = await fetch(`${echoApp.base}/grpc/${code}`);
      expect(response.status).toBe(http);
      expect(await response.json()).toEqual({
        statusCode: http,
        error: status[code],
        message: `failed on purpose: code ${code}`,
      });
    }
  });
});

describe('GrpcToHttpExceptionFilter and failures the pool made itself', () => {
  const apps: EchoHttpApp[] = [];
  /** One slot and no queue, so a second concurrent call is refused by the pool. */
  async function startOneSlotApp(filter: GrpcToHttpExceptionFilter): Promise<string> {
    const echoApp = await startEchoHttpApp({
      controllers: [PoolFaultController],
      client: {
        pool: { minChannels: 1, maxChannels: 1, maxConcurrentCallsPerChannel: 1, maxQueued: 0 },
        startup: { waitForReady: true },
      },
      providers: [{ provide: APP_FILTER, useValue: filter }],
    });
    apps.push(echoApp);
    return echoApp.base;
  }
  afterAll(async () => {
    await Promise.all(apps.map((echoApp) => echoApp.close()));
  });

  it('answers with a fixed text per status, never the limits or option names', async () => {
    const base = await startOneSlotApp(new GrpcToHttpExceptionFilter());
    const exhausted = await fetch(`${base}/exhausted`);
    const exhaustedText = await exhausted.text();
    expect(exhausted.status).toBe(429);
    expect(JSON.parse(exhaustedText)).toEqual({
      statusCode: 429,
      error: 'RESOURCE_EXHAUSTED',
      message: 'upstream service overloaded',
    });
    expect(exhaustedText).not.toContain('maxQueued');
    // A bad call the gateway's own code made: the HTTP client did nothing wrong.
    const badCall = await fetch(`${base}/bad-call-option`);
    const badCallText = await badCall.text();
    expect(badCall.status).toBe(500);
    expect(JSON.parse(badCallText)).toEqual({
      statusCode: 500,
      error: 'INVALID_ARGUMENT',
      message: 'upstream call could not be made',
    });
    expect(badCallText).not.toContain('timeoutMS');
  });

  it("exposeServerErrorDetails: true sends the pool's details, with the same statuses", async () => {
    const base = await startOneSlotApp(
      new GrpcToHttpExceptionFilter({ exposeServerErrorDetails: true }),
    );
    const exhausted = await fetch(`${base}/exhausted`);
    expect(exhausted.status).toBe(429);
    expect(((await exhausted.json()) as { message: string }).message).toContain(
      'gRPC pool "ECHO" is exhausted',
    );
    const badCall = await fetch(`${base}/bad-call-option`);
    expect(badCall.status).toBe(500);
    expect(((await badCall.json()) as { message: string }).message).toContain(
      'options.timeoutMS is not a known option',
    );
  });
});
