import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { ECHO_PROTO } from '../support/protos.js';

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL('../fixtures/consumers', import.meta.url));
const builtEntry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const repo = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Where the consumer apps run. By default in place: `nestjs-grpc-pool` resolves to this repository (its exports
 * map, dist/) and the rest to its node_modules. CI points GRPC_POOL_CONSUMER_APP at an app folder where npm
 * installed the packed tarball with the lowest @grpc/grpc-js of the peer range (.ci/consumer-app.sh); the apps
 * are copied into it and resolve everything from there, and GRPC_POOL_EXPECT_GRPC_JS names the version they must
 * run on.
 */
const consumerApp = process.env.GRPC_POOL_CONSUMER_APP;
const expectedGrpcJs = process.env.GRPC_POOL_EXPECT_GRPC_JS;
const consumers = consumerApp ? join(consumerApp, 'consumers') : fixtures;
const consumer = (file: string): string => join(consumers, file);
/** Where the package and the packages it needs come from for the app without optional peers. */
const packageSource = consumerApp ? join(consumerApp, 'node_modules', 'nestjs-grpc-pool') : repo;
const modulesSource = consumerApp ? join(consumerApp, 'node_modules') : join(repo, 'node_modules');

/** The major of the @nestjs/terminus the consumer apps load: 11 in the Nest 11 app (.ci/nest11-consumers.sh). */
function terminusMajor(): number {
  const manifest = join(modulesSource, '@nestjs', 'terminus', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return Number(version.split('.')[0]);
}

/** What the built package needs at run time, and nothing optional. */
const REQUIRED_PACKAGES = [
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/microservices',
  'reflect-metadata',
  'rxjs',
];

/**
 * An app folder whose node_modules has the package (copied, so it resolves
 * its own imports from here), its dependencies and required peers (linked), but neither
 * `@opentelemetry/api` nor `prom-client`: as in an app that never installed them.
 */
function appWithoutOptionalPeers(): string {
  const app = mkdtempSync(join(tmpdir(), 'grpc-pool-no-peers-'));
  const modules = join(app, 'node_modules');
  const own = join(modules, 'nestjs-grpc-pool');
  mkdirSync(own, { recursive: true });
  cpSync(join(packageSource, 'package.json'), join(own, 'package.json'));
  // What `files` publishes: the build and the vendored google.rpc protos.
  cpSync(join(packageSource, 'dist'), join(own, 'dist'), { recursive: true });
  cpSync(join(packageSource, 'protos'), join(own, 'protos'), { recursive: true });
  const { dependencies = {} } = JSON.parse(
    readFileSync(join(packageSource, 'package.json'), 'utf8'),
  ) as {
    dependencies?: Record<string, string>;
  };
  for (const name of [...REQUIRED_PACKAGES, ...Object.keys(dependencies)]) {
    mkdirSync(join(modules, name, '..'), { recursive: true });
    symlinkSync(join(modulesSource, name), join(modules, name), 'dir');
  }
  cpSync(consumer('no-peers-app.cjs'), join(app, 'app.cjs'));
  return app;
}

/**
 * The published package (dist/, through the exports map) loaded by name from
 * a CommonJS app (require(esm)) and from an ES-module app, each in its own
 * Node process, the way users load it.
 */
describe('the built package in CommonJS and ESM Nest apps', () => {
  let server: EchoServer;

  beforeAll(async () => {
    if (!existsSync(builtEntry))
      throw new Error('dist/ is missing: `npm test` builds it first (pretest)');
    if (consumerApp) cpSync(fixtures, consumers, { recursive: true });
    server = await startEchoServer();
  });
  afterAll(async () => server.close());

  it.each([
    ['commonjs-app.cjs', 'from commonjs async echo:a echo:b'],
    ['esm-app.mjs', 'from esm async echo:a echo:b'],
  ])('%s calls through the pool and exits after app.close()', async (file, expected) => {
    const { stdout } = await run(process.execPath, [consumer(file), server.address, ECHO_PROTO], {
      timeout: 20_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(JSON.parse(stdout)).toBe(expected);
  });

  it.each(['otel-commonjs-app.cjs', 'otel-esm-app.mjs'])(
    '%s: spans, OpenTelemetry metrics and Prometheus reach the SDKs the app registered, with no loader flag',
    async (file) => {
      const { stdout } = await run(process.execPath, [consumer(file), server.address, ECHO_PROTO], {
        timeout: 20_000,
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      expect(JSON.parse(stdout)).toEqual({
        // SpanKind.CLIENT, in the app's trace, under its active span.
        span: { kind: 2, sameTrace: true, parent: true },
        callDuration: true,
        poolChannels: true,
        handledOk: 1,
      });
    },
  );

  it('with @opentelemetry/instrumentation-grpc active, a call makes one CLIENT span (the instrumentation’s), in the caller’s trace', async () => {
    const { stdout } = await run(
      process.execPath,
      [consumer('instrumented-grpc-app.cjs'), server.address, ECHO_PROTO],
      { timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(JSON.parse(stdout)).toEqual({
      clientSpans: 1,
      names: ['grpc.test.v1.EchoService/Echo'],
      sameTrace: true,
    });
  });

  it.each(['health-app.cjs', 'health-app.mjs'])(
    '%s: /health keeps a degraded pool (one of two backends down) in its answer, 200, on the terminus installed',
    async (file) => {
      const dead = `127.0.0.1:${await freePort()}`;
      const { stdout } = await run(
        process.execPath,
        [consumer(file), server.address, dead, ECHO_PROTO],
        { timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } },
      );
      const { code, body } = JSON.parse(stdout) as {
        code: number;
        body: { status: string; info: Record<string, unknown>; details: Record<string, unknown> };
      };
      // Terminus 11 knows only up and down (and drops any other status): the pool says up, with its state.
      const degradedKnown = terminusMajor() >= 12;
      const pool = {
        status: degradedKnown ? 'degraded' : 'up',
        state: 'degraded',
        channels: { READY: 1, TRANSIENT_FAILURE: 1 },
        reason: 'some channels are failing',
        targets: [server.address, dead],
      };
      expect(code).toBe(200);
      expect(body.status).toBe(degradedKnown ? 'degraded' : 'ok');
      expect(body.info.ECHO).toMatchObject(pool);
      expect(body.details.ECHO).toMatchObject(pool);
    },
  );

  it('calls through the @grpc/grpc-js the app installed, and loads no other copy', async () => {
    const { stdout } = await run(
      process.execPath,
      [consumer('grpc-js-version-app.cjs'), server.address, ECHO_PROTO],
      { timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const { reply, loaded, resolved } = JSON.parse(stdout) as {
      reply: string;
      loaded: string[];
      resolved: string;
    };
    expect(reply).toBe('which grpc-js');
    expect(loaded).toEqual([resolved]);
    if (expectedGrpcJs) expect(resolved).toBe(expectedGrpcJs);
  });

  it('loads and calls without @opentelemetry/api and prom-client installed; prometheus: true says what to install', async () => {
    const app = appWithoutOptionalPeers();
    try {
      const { stdout } = await run(
        process.execPath,
        [join(app, 'app.cjs'), server.address, ECHO_PROTO],
        { timeout: 20_000, cwd: app, env: { ...process.env, NODE_OPTIONS: '', NODE_PATH: '' } },
      );
      expect(JSON.parse(stdout)).toEqual({
        absent: true,
        reply: 'no peers',
        ok: 1,
        prometheusError:
          'Invalid options for gRPC pool "ECHO": prometheus needs the optional peer prom-client: npm install prom-client',
      });
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});
