import type { INestApplication } from '@nestjs/common';
import { compileEchoPoolModule, type EchoPoolModuleSetup } from './echo-pool-module.js';
import { startEchoServer, type EchoServer } from './echo-server.js';

/** An echo backend and an express app whose pool 'ECHO' calls it. */
export interface EchoHttpApp {
  server: EchoServer;
  app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

export async function startEchoHttpApp(
  setup: EchoPoolModuleSetup & {
    /** Runs before the app listens (e.g. `app.useGlobalFilters(...)`). */
    configure?: (app: INestApplication) => void;
  },
): Promise<EchoHttpApp> {
  const server = await startEchoServer();
  let app: INestApplication | undefined;
  try {
    const moduleRef = await compileEchoPoolModule(server.address, setup);
    app = moduleRef.createNestApplication({ logger: false });
    setup.configure?.(app);
    await app.listen(0, '127.0.0.1');
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const started = app;
    return {
      server,
      app: started,
      base,
      // The backend closes even if the app fails to: nothing is left to keep Jest running.
      close: async () => {
        try {
          await started.close();
        } finally {
          await server.close();
        }
      },
    };
  } catch (error: unknown) {
    // A start-up that failed half-way leaves nothing open behind it.
    await app?.close().catch(() => undefined);
    await server.close();
    throw error;
  }
}
