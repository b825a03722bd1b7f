import { Metadata } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom, of, toArray } from 'rxjs';
import {
  GrpcUnknownServiceError,
  type GrpcPool,
  type PooledAsyncService,
  type PooledService,
} from '../../lib/index.js';
import {
  EchoServiceDefinition,
  type EchoReply,
  type EchoRequest,
  type EchoServiceClient,
  type EchoServiceDefinition as EchoDefinition,
} from '../fixtures/typed/echo.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { collect } from '../support/collect.js';
import { createEchoPool } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';

const request = (message: string): EchoRequest => ({
  message,
  failWith: 0,
  failTimes: 0,
  key: '',
  pushbackMs: 0,
});

describe('typed clients: ts-proto output through both facades, against a real server', () => {
  let server: EchoServer;
  let pool: GrpcPool;

  beforeAll(async () => {
    server = await startEchoServer();
    // The loader options under which proto-loader's objects match ts-proto's types.
    pool = createEchoPool(server.address, { loader: { longs: Number, defaults: true } });
  });
  afterAll(() => closeTestPool(pool, server));

  it('getService<PooledService<Client>>: the nestJs=true interface with the pool options', async () => {
    const echo = pool.getService<PooledService<EchoServiceClient>>('EchoService');
    let header: Metadata | undefined;
    const metadata = new Metadata();
    metadata.set('x-grpc-test-echo-initial', 'typed');
    const reply: EchoReply = await firstValueFrom(
      echo.echo(request('hi'), metadata, { timeoutMs: 2000, onHeader: (h) => (header = h) }),
    );
    expect(reply).toEqual({ message: 'hi', peer: expect.any(String), token: '' });
    expect(header?.get('x-grpc-test-echo-initial')).toEqual(['typed']);
    const counted = await firstValueFrom(
      echo.count({ count: 3, intervalMs: 0, failWith: 0 }).pipe(toArray()),
    );
    expect(counted.map((r) => r.message)).toEqual(['0', '1', '2']);
    const collected = await firstValueFrom(echo.collect(of(request('a'), request('b'))));
    expect(collected.message).toBe('a,b');
  });

  it('getAsyncService(Definition): typed from the generic definition, found by its full name', async () => {
    const echo = pool.getAsyncService(EchoServiceDefinition);
    expect(echo).toBe(pool.getAsyncService('EchoService'));
    const reply: EchoReply = await echo.echo({ message: 'hi' }, undefined, { timeoutMs: 2000 });
    expect(reply).toEqual({ message: 'hi', peer: expect.any(String), token: '' });
    const counted = await collect(echo.count({ count: 3 }));
    expect(counted.map((r) => r.message)).toEqual(['0', '1', '2']);
    expect((await echo.collect([{ message: 'a' }, { message: 'b' }])).message).toBe('a,b');
    const chatted = await collect(
      echo.chat(
        (async function* () {
          yield { message: 'x' };
          yield { message: 'y' };
        })(),
      ),
    );
    expect(chatted.map((r) => r.message)).toEqual(['echo:x', 'echo:y']);
  });

  it('getAsyncService<PooledAsyncService<Definition>>(name) serves the same methods', async () => {
    const echo = pool.getAsyncService<PooledAsyncService<EchoDefinition>>('test.v1.EchoService');
    expect((await echo.slow({ delayMs: 1, message: 'late' })).message).toBe('late');
  });

  it('a definition naming methods the loaded service lacks fails at getAsyncService(), naming them', () => {
    const newer = {
      ...EchoServiceDefinition,
      methods: { ...EchoServiceDefinition.methods, shout: EchoServiceDefinition.methods.echo },
    };
    expect(() => pool.getAsyncService(newer)).toThrow(
      /service "test\.v1\.EchoService" as loaded has no method shout/,
    );
  });

  it('something that is neither a name nor a definition fails as an unknown service, saying what it got', () => {
    for (const notADefinition of [null, {}, []]) {
      expect(() => pool.getAsyncService(notADefinition as unknown as string)).toThrow(
        GrpcUnknownServiceError,
      );
    }
    expect(() => pool.getAsyncService(null as unknown as string)).toThrow(
      /not a service name or a generated service definition: null/,
    );
  });

  it('a definition of a service the client did not load fails as an unknown name does', () => {
    const stranger = { ...EchoServiceDefinition, name: 'Stranger', fullName: 'other.v1.Stranger' };
    expect(() => pool.getAsyncService(stranger)).toThrow(GrpcUnknownServiceError);
    expect(() => pool.getAsyncService(stranger)).toThrow(/other\.v1\.Stranger/);
  });
});
