import { Module, type Provider, type Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { GrpcPoolModule, type GrpcPoolClientOptions } from '../../lib/index.js';
import { ECHO_PACKAGE, ECHO_PROTO } from './protos.js';

/** What a test app around the pool 'ECHO' is made of. */
export interface EchoPoolModuleSetup {
  controllers: Type[];
  providers?: Provider[];
  /** More options for the pool 'ECHO'. */
  client?: Partial<GrpcPoolClientOptions>;
}

/** A compiled testing module whose pool 'ECHO' calls the echo backend at `url`, with the setup's controllers. */
export async function compileEchoPoolModule(
  url: string,
  setup: EchoPoolModuleSetup,
): Promise<TestingModule> {
  class EchoPoolAppModule {}
  Module({
    imports: [
      GrpcPoolModule.register({
        clients: [
          { name: 'ECHO', package: ECHO_PACKAGE, protoPath: ECHO_PROTO, url, ...setup.client },
        ],
      }),
    ],
    controllers: setup.controllers,
    providers: setup.providers ?? [],
  })(EchoPoolAppModule);
  return Test.createTestingModule({ imports: [EchoPoolAppModule] }).compile();
}
