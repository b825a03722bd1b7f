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
} from '../lib/index.js';
import type { EchoService } from './support/echo-client.js';
import { startEchoHttpApp, type EchoHttpApp } from './support/echo-http-app.js';
import { freePort } from './support/free-port.js';

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
