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

  it.each([
    [status.NOT_FOUND, 404],
    [status.INVALID_ARGUMENT, 400],
    [status.FAILED_PRECONDITION, 400],
    [status.OUT_OF_RANGE, 400],
    [status.UNAUTHENTICATED, 401],
    [status.PERMISSION_DENIED, 403],
    [status.ALREADY_EXISTS, 409],
    [status.ABORTED, 409],
    [status.RESOURCE_EXHAUSTED, 429],
    [status.UNIMPLEMENTED, 501],
    [status.UNAVAILABLE, 503],
    [status.DEADLINE_EXCEEDED, 504],
    [status.INTERNAL, 500],
    [status.DATA_LOSS, 500],
    [status.UNKNOWN, 500],
  ])(
    'answers gRPC status %i with HTTP %i, the status name and details, and no metadata',
    async (code, http) => {
      const response = await fetch(`${base}/grpc/${code}`);
      expect(response.status).toBe(http);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toEqual({
        statusCode: http,
        error: status[code],
        message: `failed on purpose: code ${code}`,
      });
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
