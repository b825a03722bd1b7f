import { Controller, Get, Module, Query, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from '@jest/globals';
import { GrpcPoolHealthIndicator, GrpcPoolModule } from '../../lib/index.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';
import { waitFor } from '../support/wait-for.js';

/** A hang guard on the wait for a refused connect: only a hang reaches it. */
const HANG_GUARD_MS = 20_000;

/** `GET /health?degradedAs=` through the indicator. */
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly grpc: GrpcPoolHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(@Query('degradedAs') degradedAs?: 'up' | 'down') {
    return this.health.check([() => this.grpc.isHealthy('ECHO', { degradedAs })]);
  }
}

/**
 * With the terminus this repository develops on (12), a degraded pool says `degraded` unless
 * `degradedAs` says otherwise; the Nest 11 consumer app (.ci/nest11-consumers.sh) shows terminus 11.
 */
describe('GrpcPoolHealthIndicator: degradedAs, with one of two backends refusing connections', () => {
  let app: INestApplication | undefined;
  let server: EchoServer | undefined;

  afterEach(async () => {
    await app?.close();
    await server?.close();
    app = server = undefined;
  });

  it('degraded by default, up or down (503) when asked, the pool in the answer each time', async () => {
    server = await startEchoServer();
    const dead = `127.0.0.1:${await freePort()}`;
    class AppModule {}
    Module({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        GrpcPoolModule.register({
          clients: [
            {
              name: 'ECHO',
              package: ECHO_PACKAGE,
              protoPath: ECHO_PROTO,
              url: [server.address, dead],
            },
          ],
        }),
      ],
      controllers: [HealthController],
    })(AppModule);
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const base = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/health`;
    // The answer once it reports the pool degraded: a reconnect attempt to the dead backend makes the pool
    // connecting for a moment now and then, and an answer given then says so in its `state`.
    const answer = async (degradedAs: string) => {
      let got: { code: number; status: string; pool?: { state?: string } } | undefined;
      await waitFor(
        async () => {
          const response = await fetch(degradedAs ? `${base}?degradedAs=${degradedAs}` : base);
          const body = (await response.json()) as {
            status: string;
            details: Record<string, { state?: string }>;
          };
          got = { code: response.status, status: body.status, pool: body.details.ECHO };
          return got.pool?.state === 'degraded';
        },
        HANG_GUARD_MS,
        `a degraded pool in the answer (degradedAs=${degradedAs})`,
      );
      return got;
    };
    const answers = {
      default: await answer(''),
      up: await answer('up'),
      down: await answer('down'),
    };
    const kept = { state: 'degraded', reason: 'some channels are failing' };
    expect(answers).toMatchObject({
      default: { code: 200, status: 'degraded', pool: { status: 'degraded', ...kept } },
      up: { code: 200, status: 'ok', pool: { status: 'up', ...kept } },
      down: { code: 503, status: 'error', pool: { status: 'down', ...kept } },
    });
  });
});
