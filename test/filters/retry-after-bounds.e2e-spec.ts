import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Param } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GrpcPool, GrpcToHttpExceptionFilter, InjectGrpcPool } from '../../lib/index.js';
import type { EchoAsyncService } from '../support/echo-client.js';
import { startEchoHttpApp, type EchoHttpApp } from '../support/echo-http-app.js';
import { startRetryInfoServer, type RetryInfoServer } from '../support/retry-info-server.js';

/** The filter's cap on Retry-After: a day (see lib/filters/retry-after.ts for why). */
const A_DAY = '86400';
const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';

@Controller('quota')
class QuotaController {
  constructor(@InjectGrpcPool('ECHO') private readonly pool: GrpcPool) {}

  /** `:delay` is `<seconds>:<nanos>`, the RetryInfo delay the backend answers with. */
  @Get(':delay')
  check(@Param('delay') delay: string): Promise<object> {
    return this.pool.getAsyncService<EchoAsyncService>('EchoService').echo({ message: delay });
  }
}

describe('GrpcToHttpExceptionFilter bounds Retry-After: delta-seconds, never a float, an exponent or a negative', () => {
  let backend: RetryInfoServer;
  let http: EchoHttpApp;

  beforeAll(async () => {
    backend = await startRetryInfoServer();
    http = await startEchoHttpApp({
      controllers: [QuotaController],
      providers: [{ provide: APP_FILTER, useClass: GrpcToHttpExceptionFilter }],
      client: { url: backend.address },
    });
  });
  afterAll(async () => {
    await http?.close();
    await backend?.close();
  });

  it.each([
    // A delay longer than a day says "not soon": a day says it too.
    [`${INT64_MAX}:999999999`, A_DAY],
    [`${INT64_MAX}:0`, A_DAY],
    ['315576000000:999999999', A_DAY], // the longest Duration there is: 10,000 years
    ['86399:1', A_DAY],
    ['86400:0', A_DAY],
    // Anything shorter: whole seconds, rounded up.
    ['86399:0', '86399'],
    ['2:500000000', '3'],
    ['0:1', '1'],
    ['0:0', '0'],
  ])('a RetryInfo of %s answers Retry-After: %s', async (delay, expected) => {
    const response = await fetch(`${http.base}/quota/${delay}`);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe(expected);
    expect(await response.json()).toMatchObject({ statusCode: 429, error: 'RESOURCE_EXHAUSTED' });
  });

  it.each([
    ['-1:0'],
    [`${INT64_MIN}:0`],
    [`${INT64_MIN}:-999999999`],
    ['0:-1'],
    ['5:-999999999'],
    ['5:1000000000'],
    ['5:2147483647'],
  ])('a RetryInfo of %s is no delay: no Retry-After, the 429 unchanged', async (delay) => {
    const response = await fetch(`${http.base}/quota/${delay}`);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await response.json()).toEqual({
      statusCode: 429,
      error: 'RESOURCE_EXHAUSTED',
      message: 'slow down',
    });
  });
});
