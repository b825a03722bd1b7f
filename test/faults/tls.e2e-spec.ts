import { credentials, Metadata, status } from '@grpc/grpc-js';
import { Logger, type LoggerService } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { GrpcPool, GrpcPoolOptionsError } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { makeCertificates, type TestCertificates } from '../support/certificates.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';
import { closeTestPool } from '../support/close-test-pool.js';

describe('TLS and mutual TLS, with certificates made for the test', () => {
  let certs: TestCertificates;
  let server: EchoServer | undefined;
  let pool: GrpcPool | undefined;

  beforeAll(() => {
    certs = makeCertificates();
  });
  afterAll(() => certs.remove());
  afterEach(async () => {
    await closeTestPool(pool, server);
    pool = undefined;
    server = undefined;
  });

  it('TLS from a CA file; per-call credentials (a token) compose with the channel’s', async () => {
    server = await startEchoServer({
      tls: { cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) },
    });
    pool = createEchoPool(`localhost:${server.port}`, { tls: { ca: certs.caCert } });
    const echo = pool.getService<EchoService>('EchoService');
    expect((await firstValueFrom(echo.echo({ message: 'secure' }))).message).toBe('secure');

    const token = credentials.createFromMetadataGenerator((_params, callback) => {
      const metadata = new Metadata();
      metadata.set('authorization', 'Bearer per-call-token');
      callback(null, metadata);
    });
    const reply = await firstValueFrom(
      echo.echo({ message: 't' }, undefined, { credentials: token }),
    );
    expect(reply.token).toBe('Bearer per-call-token');
  });

  it('a plaintext client cannot talk to the TLS server (the test server really is TLS)', async () => {
    server = await startEchoServer({
      tls: { cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) },
    });
    pool = createEchoPool(`localhost:${server.port}`);
    const error = await failure(
      firstValueFrom(pool.getService<EchoService>('EchoService').echo({ message: 'x' })),
    );
    expect(error.code).toBe(status.UNAVAILABLE);
  });

  it('mutual TLS: with the client certificate it works; without it the server refuses', async () => {
    server = await startEchoServer({
      tls: {
        cert: certs.read(certs.serverCert),
        key: certs.read(certs.serverKey),
        ca: certs.read(certs.caCert),
      },
    });
    const address = `localhost:${server.port}`;
    // Buffers work as well as paths.
    pool = createEchoPool(address, {
      tls: {
        ca: certs.read(certs.caCert),
        cert: certs.clientCert,
        key: certs.read(certs.clientKey),
      },
    });
    const echo = pool.getService<EchoService>('EchoService');
    expect((await firstValueFrom(echo.echo({ message: 'mutual' }))).message).toBe('mutual');

    const anonymous = createEchoPool(address, { tls: { ca: certs.caCert } });
    try {
      const error = await failure(
        firstValueFrom(anonymous.getService<EchoService>('EchoService').echo({ message: 'x' })),
      );
      expect(error.code).toBe(status.UNAVAILABLE);
    } finally {
      await anonymous.close();
    }
  });

  it('servername: the certificate’s name when the url’s host is not it', async () => {
    const named = makeCertificates(['DNS:orders.internal']);
    try {
      server = await startEchoServer({
        tls: { cert: named.read(named.serverCert), key: named.read(named.serverKey) },
      });
      const wrongName = createEchoPool(server.address, { tls: { ca: named.caCert } });
      try {
        const error = await failure(
          firstValueFrom(wrongName.getService<EchoService>('EchoService').echo({ message: 'x' })),
        );
        expect(error.code).toBe(status.UNAVAILABLE);
      } finally {
        await wrongName.close();
      }
      pool = createEchoPool(server.address, {
        tls: { ca: named.caCert, servername: 'orders.internal' },
      });
      const reply = await firstValueFrom(
        pool.getService<EchoService>('EchoService').echo({ message: 'named' }),
      );
      expect(reply.message).toBe('named');
    } finally {
      named.remove();
    }
  });

  it('bad tls options fail start-up naming the field', () => {
    const create = (tls: object, extra: object = {}) =>
      new GrpcPool({
        name: 'ECHO',
        package: ECHO_PACKAGE,
        protoPath: ECHO_PROTO,
        url: 'localhost:1',
        tls,
        ...extra,
      } as never);
    expect(() => create({ cert: certs.clientCert })).toThrow(
      new GrpcPoolOptionsError(
        'ECHO',
        'tls.key',
        'is required with the other: mutual TLS needs both cert and key',
      ),
    );
    expect(() => create({ ca: '/nope/ca.crt' })).toThrow(
      'Invalid options for gRPC pool "ECHO": tls.ca must be a readable PEM file (cannot read /nope/ca.crt: ENOENT)',
    );
    expect(() =>
      create({ ca: certs.caCert }, { credentials: credentials.createInsecure() }),
    ).toThrow('tls cannot be given with credentials (use one or the other)');
    expect(() => create({ ca: 42 })).toThrow('tls.ca must be a file path or a Buffer (got 42)');
    expect(() => create({ sni: 'x' })).toThrow('tls.sni is not a known option');
  });
});

describe('plaintext to a non-loopback address', () => {
  const warnings: string[] = [];
  const recorder: LoggerService = {
    log: () => undefined,
    error: () => undefined,
    warn: (message: string) => warnings.push(message),
  };
  beforeAll(() => Logger.overrideLogger(recorder));
  afterAll(() => Logger.overrideLogger(false));

  it('logs one warning at start-up; loopback and TLS do not', async () => {
    const pools = [
      createEchoPool('127.0.0.1:1', { pool: { minChannels: 0 } }),
      createEchoPool(['localhost:1', '[::1]:1'], { pool: { minChannels: 0 } }),
      createEchoPool('dns:///orders.invalid:50051', { pool: { minChannels: 0 } }),
      createEchoPool('dns:///orders.invalid:50051', {
        pool: { minChannels: 0 },
        tls: { ca: Buffer.from('') },
      }),
    ];
    // The pools following a name open once it has resolved (or failed to).
    await Promise.all(pools.map((p) => p.onModuleInit()));
    await Promise.all(pools.map((p) => p.close()));
    const plaintext = warnings.filter((w) => w.startsWith('Plaintext connection'));
    expect(plaintext).toEqual([
      'Plaintext connection to dns:///orders.invalid:50051: calls and metadata cross the network unencrypted; set tls or credentials',
    ]);
  });
});
