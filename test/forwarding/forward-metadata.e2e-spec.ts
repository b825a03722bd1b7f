import {
  Metadata,
  credentials,
  loadPackageDefinition,
  status,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Param } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { GrpcPool, GrpcPoolOptionsError, InjectGrpcPool } from '../../lib/index.js';
import type { EchoAsyncService, EchoReply, EchoService } from '../support/echo-client.js';
import { startEchoHttpApp, type EchoHttpApp } from '../support/echo-http-app.js';
import { startEchoMicroservice, type EchoMicroservice } from '../support/echo-microservice.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';

const FORWARD = ['Authorization', 'x-request-id', 'X-Tenant-Id', 'x-trace-bin'];

@Controller()
class ForwardingController {
  private readonly echo: EchoAsyncService;

  constructor(@InjectGrpcPool('ECHO') private readonly pool: GrpcPool) {
    this.echo = pool.getAsyncService<EchoAsyncService>('EchoService');
  }

  @Get('echo/:message')
  plain(@Param('message') message: string): Promise<EchoReply> {
    return this.echo.echo({ message });
  }

  @Get('observable/:message')
  observable(@Param('message') message: string): Promise<EchoReply> {
    return firstValueFrom(this.pool.getService<EchoService>('EchoService').echo({ message }));
  }

  @Get('own/:message')
  own(@Param('message') message: string): Promise<EchoReply> {
    const metadata = new Metadata();
    metadata.set('x-request-id', 'set-by-the-call');
    return this.echo.echo({ message }, metadata);
  }

  @Get('slow/:message')
  slow(@Param('message') message: string): Promise<EchoReply> {
    return this.echo.slow({ delayMs: 150, message });
  }

  @Get('retry/:key')
  retried(@Param('key') key: string): Promise<EchoReply> {
    return this.echo.echo({ message: key, key, failWith: status.UNAVAILABLE, failTimes: 1 });
  }
}

describe('forwardMetadata: chosen headers of an HTTP request travel on', () => {
  let http: EchoHttpApp;
  const get = (path: string, headers: Record<string, string>) =>
    fetch(`${http.base}${path}`, { headers }).then((response) => response.status);
  const seen = (message: string, key: string) =>
    http.server.metadataOf.get(message)?.get(key).map(String);

  beforeAll(async () => {
    http = await startEchoHttpApp({
      controllers: [ForwardingController],
      client: {
        forwardMetadata: FORWARD,
        // One slot in all: concurrent requests queue.
        pool: { maxChannels: 1, maxConcurrentCallsPerChannel: 1 },
        defaultCallOptions: { retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 } },
        methods: { 'EchoService/Echo': { idempotent: true } },
      },
    });
  });
  afterAll(() => http.close());

  it('copies the listed headers (any case), and nothing else, in both facades', async () => {
    const headers = {
      authorization: 'Bearer t0k',
      'x-request-id': 'req-1',
      'x-tenant-id': 'acme',
      cookie: 'session=secret',
      'x-other': 'not listed',
    };
    expect(await get('/echo/a', headers)).toBe(200);
    expect(await get('/observable/b', { ...headers, 'x-request-id': 'req-2' })).toBe(200);
    for (const [message, id] of [
      ['a', 'req-1'],
      ['b', 'req-2'],
    ]) {
      expect(seen(message, 'authorization')).toEqual(['Bearer t0k']);
      expect(seen(message, 'x-request-id')).toEqual([id]);
      expect(seen(message, 'x-tenant-id')).toEqual(['acme']);
      expect(seen(message, 'cookie')).toEqual([]);
      expect(seen(message, 'x-other')).toEqual([]);
    }
  });

  it('a request without those headers forwards nothing', async () => {
    expect(await get('/echo/bare', {})).toBe(200);
    expect(seen('bare', 'authorization')).toEqual([]);
    expect(seen('bare', 'x-request-id')).toEqual([]);
  });

  it('a value gRPC cannot carry is left behind, and the call goes on without it', async () => {
    // A tab is legal in an HTTP header, not in gRPC metadata; '!!' is not base64.
    expect(
      await get('/echo/odd', {
        authorization: 'Bearer SECRET\tx',
        'x-request-id': 'fine',
        'x-trace-bin': '!!not-base64!!',
      }),
    ).toBe(200);
    expect(seen('odd', 'authorization')).toEqual([]);
    expect(seen('odd', 'x-trace-bin')).toEqual([]);
    expect(seen('odd', 'x-request-id')).toEqual(['fine']);
    expect(
      await get('/echo/bin', { 'x-trace-bin': Buffer.from([1, 2, 3]).toString('base64') }),
    ).toBe(200);
    expect(http.server.metadataOf.get('bin')?.get('x-trace-bin')).toEqual([Buffer.from([1, 2, 3])]);
  });

  it('metadata the call sets itself wins', async () => {
    expect(await get('/own/mine', { 'x-request-id': 'from-the-request', 'x-tenant-id': 't' })).toBe(
      200,
    );
    expect(seen('mine', 'x-request-id')).toEqual(['set-by-the-call']);
    expect(seen('mine', 'x-tenant-id')).toEqual(['t']);
  });

  it("queued calls carry their own request's headers, never those of the call that freed the slot", async () => {
    const ids = ['q1', 'q2', 'q3', 'q4'];
    const codes = await Promise.all(ids.map((id) => get(`/slow/${id}`, { 'x-request-id': id })));
    expect(codes).toEqual([200, 200, 200, 200]);
    for (const id of ids) expect(seen(id, 'x-request-id')).toEqual([id]);
  });

  it('a retried call carries them on every attempt', async () => {
    expect(await get('/retry/again', { 'x-request-id': 'retry-1' })).toBe(200);
    expect(http.server.attempts.get('again')).toBe(2);
    // What the server recorded last is the second attempt.
    expect(seen('again', 'x-request-id')).toEqual(['retry-1']);
  });
});

@Controller()
class ForwardingRpcController {
  constructor(@InjectGrpcPool('ECHO') private readonly pool: GrpcPool) {}

  @GrpcMethod('OtherService', 'Ping')
  ping({ message }: { message: string }): Promise<EchoReply> {
    return this.pool.getAsyncService<EchoAsyncService>('EchoService').echo({ message });
  }
}

describe('forwardMetadata: chosen metadata of a gRPC request travels on', () => {
  let microservice: EchoMicroservice;

  beforeAll(async () => {
    microservice = await startEchoMicroservice({
      controllers: [ForwardingRpcController],
      client: { forwardMetadata: ['authorization', 'x-request-id', 'x-trace-bin'] },
    });
  });
  afterAll(() => microservice.close());

  it('copies the listed keys, binary ones too, from the inbound call to the backend', async () => {
    const proto = loadPackageDefinition(loadSync(ECHO_PROTO)) as unknown as {
      test: { v1: GrpcObject };
    };
    const Other = proto.test.v1.OtherService as ServiceClientConstructor;
    const client = new Other(microservice.address, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer rpc');
    metadata.set('x-request-id', 'rpc-1');
    metadata.set('x-trace-bin', Buffer.from([1, 2, 3]));
    metadata.set('x-secret', 'stays here');
    try {
      await new Promise<void>((resolve, reject) =>
        client.Ping({ message: 'via-rpc' }, metadata, (error: ServiceError | null) =>
          error ? reject(error) : resolve(),
        ),
      );
    } finally {
      client.close();
    }
    const received = microservice.backend.metadataOf.get('via-rpc')!;
    expect(received.get('authorization')).toEqual(['Bearer rpc']);
    expect(received.get('x-request-id')).toEqual(['rpc-1']);
    expect(received.get('x-trace-bin')).toEqual([Buffer.from([1, 2, 3])]);
    expect(received.get('x-secret')).toEqual([]);
  });
});

describe('forwardMetadata: what may be forwarded is checked at start-up', () => {
  it.each([
    [['grpc-timeout'], 'forwardMetadata[0] "grpc-timeout" is reserved'],
    [['x-a', ':authority'], 'forwardMetadata[1] ":authority" is an HTTP/2 pseudo-header'],
    [['Content-Type'], 'forwardMetadata[0] "Content-Type" belongs to the connection'],
    [['bad key!'], 'forwardMetadata[0] "bad key!" is not a gRPC metadata key'],
    [[42], 'forwardMetadata[0] must be a non-empty string (got 42)'],
    ['authorization', 'forwardMetadata must be an array of header names'],
  ])('%j fails with a message naming the client and the field', (forwardMetadata, message) => {
    const build = () =>
      new GrpcPool({
        name: 'ECHO',
        package: ECHO_PACKAGE,
        protoPath: ECHO_PROTO,
        url: '127.0.0.1:1',
        forwardMetadata: forwardMetadata as string[],
      });
    expect(build).toThrow(GrpcPoolOptionsError);
    expect(build).toThrow(/"ECHO"/);
    expect(build).toThrow(message);
  });
});
