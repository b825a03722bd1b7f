import 'reflect-metadata';
import { status } from '@grpc/grpc-js';
import {
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseIntPipe,
  UseFilters,
  type ExceptionFilter,
  type INestApplication,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { GrpcPool, GrpcToHttpExceptionFilter, InjectGrpcPool } from '../../lib/index.js';
import type { EchoService } from '../support/echo-client.js';
import { startEchoHttpApp, type EchoHttpApp } from '../support/echo-http-app.js';

/** The same routes, with `filters` bound by `@UseFilters` (none: the filter is registered app-wide). */
function failingController(filters: Array<Type<ExceptionFilter> | ExceptionFilter>): Type {
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
  if (filters.length > 0) UseFilters(...filters)(FailingController);
  return FailingController;
}

interface Way {
  controllers: Type[];
  providers?: Provider[];
  configure?: (app: INestApplication) => void;
}

/** The four ways Nest registers a filter; each must answer alike. */
const WAYS: Record<string, () => Way> = {
  'APP_FILTER useClass': () => ({
    controllers: [failingController([])],
    providers: [{ provide: APP_FILTER, useClass: GrpcToHttpExceptionFilter }],
  }),
  'app.useGlobalFilters(new ...)': () => ({
    controllers: [failingController([])],
    configure: (app) => app.useGlobalFilters(new GrpcToHttpExceptionFilter()),
  }),
  '@UseFilters(class)': () => ({ controllers: [failingController([GrpcToHttpExceptionFilter])] }),
  '@UseFilters(new ...)': () => ({
    controllers: [failingController([new GrpcToHttpExceptionFilter()])],
  }),
};

interface Answer {
  status: number;
  contentType: string | null;
  body: unknown;
}

async function answer(url: string): Promise<Answer> {
  const response = await fetch(url);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (e.g. express's HTML error page): compared as text, so it fails loudly.
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body,
  };
}

const GRPC_CASES: Array<[code: status, http: number, message: string]> = [
  [status.NOT_FOUND, 404, 'failed on purpose: code 5'],
  [status.INVALID_ARGUMENT, 400, 'failed on purpose: code 3'],
  [status.PERMISSION_DENIED, 403, 'failed on purpose: code 7'],
  [status.UNAVAILABLE, 503, 'upstream service unavailable'],
  [status.INTERNAL, 500, 'upstream service error'],
];

describe('GrpcToHttpExceptionFilter answers alike however it is registered', () => {
  let plain: EchoHttpApp;
  beforeAll(async () => {
    // No filter at all: what Nest itself answers for errors that are not gRPC failures.
    plain = await startEchoHttpApp({ controllers: [failingController([])] });
  });
  afterAll(async () => plain.close());

  describe.each(Object.keys(WAYS))('registered with %s', (way) => {
    let echoApp: EchoHttpApp;
    beforeAll(async () => {
      echoApp = await startEchoHttpApp(WAYS[way]());
    });
    afterAll(async () => echoApp.close());

    it.each(GRPC_CASES)(
      'gRPC status %i from the backend: HTTP %i, JSON with the status name',
      async (code, http, message) => {
        const got = await answer(`${echoApp.base}/grpc/${code}`);
        expect(got).toEqual({
          status: http,
          contentType: 'application/json; charset=utf-8',
          body: { statusCode: http, error: status[code], message },
        });
      },
    );

    it.each(['/no-such-route', '/http-exception', '/plain-error'])(
      '%s: the same JSON answer as Nest gives without the filter',
      async (path) => {
        const expected = await answer(`${plain.base}${path}`);
        expect(expected.contentType).toBe('application/json; charset=utf-8');
        expect(await answer(`${echoApp.base}${path}`)).toEqual(expected);
      },
    );
  });

  it('Nest’s own answers, for the record: 404 route, HttpException, plain Error', async () => {
    expect((await answer(`${plain.base}/no-such-route`)).body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /no-such-route',
    });
    expect((await answer(`${plain.base}/http-exception`)).body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'no such page',
    });
    expect(await answer(`${plain.base}/plain-error`)).toMatchObject({
      status: 500,
      body: { statusCode: 500, message: 'Internal server error' },
    });
  });
});
