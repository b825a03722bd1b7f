import 'reflect-metadata';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Param,
  type INestApplication,
} from '@nestjs/common';
import type { ClientGrpc } from '@nestjs/microservices';
import { Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import {
  GrpcPool,
  GrpcPoolModule,
  GrpcPoolOptionsError,
  InjectGrpcPool,
  type GrpcPoolFactoryResult,
  type GrpcPoolOptionsFactory,
} from '../../lib/index.js';
import type { EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';

/** Stands in for an app's ConfigService: a provider the options factory injects. */
@Injectable()
class EchoConfig {
  url = '';
}

@Injectable()
class EchoOptionsFactory implements GrpcPoolOptionsFactory {
  constructor(@Inject(EchoConfig) private readonly config: EchoConfig) {}
  createGrpcPoolOptions(): GrpcPoolFactoryResult {
    return {
      package: ECHO_PACKAGE,
      protoPath: ECHO_PROTO,
      url: this.config.url,
      pool: { maxChannels: 2 },
    };
  }
}

/** Code written for ClientsModule: `@Inject(name) client: ClientGrpc`, unchanged. */
@Injectable()
class LegacyEchoCaller {
  private readonly echo: EchoService;
  constructor(@Inject('ECHO') client: ClientGrpc) {
    this.echo = client.getService<EchoService>('EchoService');
  }
  say(message: string): Promise<string> {
    return firstValueFrom(this.echo.echo({ message })).then((reply) => reply.message);
  }
}

@Controller('echo')
class EchoController {
  private readonly echo: EchoService;
  constructor(@InjectGrpcPool('ECHO') pool: GrpcPool) {
    this.echo = pool.getService<EchoService>('EchoService');
  }
  @Get(':message')
  async say(@Param('message') message: string): Promise<{ message: string }> {
    const reply = await firstValueFrom(this.echo.echo({ message }));
    return { message: reply.message };
  }
}

describe('GrpcPoolModule wiring in real Nest apps', () => {
  let server: EchoServer;
  const config = new EchoConfig();
  /** Apps a test started: closed after it even if it failed half-way (their pools hold channels). */
  const apps: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(app: T): T => {
    apps.push(app);
    return app;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  beforeAll(async () => {
    server = await startEchoServer();
    config.url = server.address;
  });
  afterAll(async () => {
    await server.close();
  });

  describe('register() in an HTTP app', () => {
    let app: INestApplication;

    it('serves HTTP requests through the injected pool and closes it with the app', async () => {
      @Module({
        imports: [
          GrpcPoolModule.register({
            clients: [
              { name: 'ECHO', package: ECHO_PACKAGE, protoPath: ECHO_PROTO, url: server.address },
            ],
          }),
        ],
        controllers: [EchoController],
        providers: [LegacyEchoCaller],
      })
      class AppModule {}

      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      app = track(moduleRef.createNestApplication({ logger: false }));
      await app.listen(0, '127.0.0.1');
      const url = await app.getUrl();
      const response = await fetch(`${url.replace('[::1]', '127.0.0.1')}/echo/hello`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ message: 'hello' });
      expect(await app.get(LegacyEchoCaller).say('legacy')).toBe('legacy');

      const pool = app.get<GrpcPool>('ECHO');
      expect(pool).toBeInstanceOf(GrpcPool);
      expect(pool.stats().calls.ok).toBe(2);
      await app.close();
      expect(pool.state).toBe('closed');
    });
  });

  it('registerAsync() with a factory that injects a config provider', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        GrpcPoolModule.registerAsync({
          clients: [
            {
              name: 'ECHO',
              extraProviders: [{ provide: EchoConfig, useValue: config }],
              inject: [EchoConfig],
              useFactory: (cfg: EchoConfig) => ({
                package: ECHO_PACKAGE,
                protoPath: ECHO_PROTO,
                url: cfg.url,
              }),
            },
          ],
        }),
      ],
      providers: [LegacyEchoCaller],
    }).compile();
    const app = track(await moduleRef.init());
    expect(await app.get(LegacyEchoCaller).say('async')).toBe('async');
    await app.close();
  });

  it('registerAsync() with useClass, and forRoot() defaults that client options override', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        GrpcPoolModule.forRoot({
          defaults: {
            pool: { minChannels: 2, maxChannels: 8 },
            defaultCallOptions: { timeoutMs: 3000 },
          },
        }),
        GrpcPoolModule.registerAsync({
          isGlobal: true,
          clients: [
            {
              name: 'ECHO',
              useClass: EchoOptionsFactory,
              extraProviders: [{ provide: EchoConfig, useValue: config }],
            },
          ],
        }),
      ],
      providers: [LegacyEchoCaller],
    }).compile();
    const app = track(await moduleRef.init());
    const pool = app.get<GrpcPool>('ECHO');
    // minChannels from the defaults, maxChannels 2 from the client.
    expect(pool.stats().channels).toHaveLength(2);
    expect(await app.get(LegacyEchoCaller).say('class')).toBe('class');
    await app.close();
  });

  it('accepts a ClientsModule-style entry ({ transport, options }) and a symbol name', async () => {
    const TOKEN = Symbol('ECHO_SYMBOL');
    const moduleRef = await Test.createTestingModule({
      imports: [
        GrpcPoolModule.register({
          clients: [
            {
              name: TOKEN,
              transport: Transport.GRPC,
              options: { package: ECHO_PACKAGE, protoPath: ECHO_PROTO, url: server.address },
            } as never,
          ],
        }),
      ],
    }).compile();
    const app = track(await moduleRef.init());
    const pool = app.get<GrpcPool>(TOKEN);
    const reply = await firstValueFrom(
      pool.getService<EchoService>('EchoService').echo({ message: 'sym' }),
    );
    expect(reply.message).toBe('sym');
    expect(pool.stats().name).toBe('Symbol(ECHO_SYMBOL)');
    await app.close();
  });

  it('fails start-up with a message naming the client, the field and the rule', async () => {
    const compile = Test.createTestingModule({
      imports: [
        GrpcPoolModule.register({
          clients: [
            { name: 'ECHO', package: ECHO_PACKAGE, protoPath: ECHO_PROTO, url: server.address },
            {
              name: 'BILLING',
              package: ECHO_PACKAGE,
              protoPath: ECHO_PROTO,
              pool: { minChannels: 3, maxChannels: 1 },
            },
          ],
        }),
      ],
    }).compile();
    await expect(compile).rejects.toThrow(GrpcPoolOptionsError);
    await expect(
      Test.createTestingModule({
        imports: [
          GrpcPoolModule.registerAsync({
            clients: [
              {
                name: 'BILLING',
                useFactory: () => ({ package: 'billing.v1', protoPath: ECHO_PROTO }),
              },
            ],
          }),
        ],
      }).compile(),
    ).rejects.toThrow(
      'Invalid options for gRPC pool "BILLING": package "billing.v1" is not defined by the proto (it defines: test.v1)',
    );
    expect(() => GrpcPoolModule.registerAsync({ clients: [{ name: 'BILLING' }] })).toThrow(
      'Invalid options for gRPC pool "BILLING": useFactory is required, or else useClass or useExisting',
    );
  });
});
