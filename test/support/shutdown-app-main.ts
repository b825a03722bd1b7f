// A Nest HTTP app whose requests call the pool, run in its own process so a
// test can send it SIGTERM (MODE=serve) or watch it exit by itself after
// app.close() (MODE=close-self). Dependencies are injected by token: tsx does
// not emit decorator metadata.
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Query,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom } from 'rxjs';
import { GrpcPool, GrpcPoolModule } from '../../lib/index.js';
import type { EchoService } from './echo-client.js';
import { ECHO_PACKAGE, ECHO_PROTO } from './protos.js';

/** Resolves when Nest begins its shutdown (a signal arrived), and says so on stdout. */
@Injectable()
class ShutdownBegan implements BeforeApplicationShutdown {
  private begin!: () => void;
  readonly promise = new Promise<void>((resolve) => (this.begin = resolve));

  beforeApplicationShutdown(signal?: string): void {
    process.stdout.write(`shutdown began (${signal ?? 'app.close()'})\n`);
    this.begin();
  }
}

@Controller()
class WorkController {
  constructor(
    @Inject('ECHO') private readonly pool: GrpcPool,
    @Inject(ShutdownBegan) private readonly shutdown: ShutdownBegan,
  ) {}

  /**
   * Two pool calls; the second waits for the shutdown to begin, so it is made
   * after the test's SIGTERM for sure, however slowly the signal arrives.
   */
  @Get('work')
  async work(@Query('ms') ms: string): Promise<{ messages: string[] }> {
    const echo = this.pool.getService<EchoService>('EchoService');
    const delayMs = Number(ms);
    const first = await firstValueFrom(echo.slow({ delayMs, message: 'first' }));
    await this.shutdown.promise;
    const second = await firstValueFrom(echo.slow({ delayMs, message: 'second' }));
    return { messages: [first.message, second.message] };
  }
}

class AppModule {}
Module({
  imports: [
    GrpcPoolModule.register({
      clients: [
        {
          name: 'ECHO',
          package: ECHO_PACKAGE,
          protoPath: ECHO_PROTO,
          url: process.env.ECHO_URL,
          pool: { minChannels: 2, idleTimeoutMs: 60_000 },
          drainTimeoutMs: 2000,
        },
      ],
    }),
  ],
  controllers: [WorkController],
  providers: [ShutdownBegan],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: ['log', 'warn', 'error'] });
app.enableShutdownHooks();
await app.listen(0, '127.0.0.1');
const { port } = app.getHttpServer().address() as { port: number };
process.stdout.write(`listening ${port}\n`);

if (process.env.MODE === 'close-self') {
  // Use every part that could leave something running, then close with a call in flight.
  const pool = app.get<GrpcPool>('ECHO');
  const echo = pool.getService<EchoService>('EchoService');
  pool.state$.subscribe();
  await firstValueFrom(echo.echo({ message: 'warm-up' }));
  await pool.checkHealth({ remote: true });
  const inFlight = firstValueFrom(echo.slow({ delayMs: 300, message: 'in flight' }));
  await app.close();
  process.stdout.write(`closed ${(await inFlight).message}\n`);
  // Nothing else: the process must now exit by itself.
}
