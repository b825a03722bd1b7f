import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ForwardMetadataInterceptor } from './forwarding/forward-metadata.interceptor.js';
import { GRPC_POOL_DEFAULTS } from './grpc-pool.constants.js';
import { createAsyncPoolProviders, createPoolProvider } from './grpc-pool.providers.js';
import { GrpcPoolHealthIndicator } from './health/grpc-pool-health.indicator.js';
import type {
  GrpcPoolModuleAsyncOptions,
  GrpcPoolModuleOptions,
  GrpcPoolRootAsyncOptions,
  GrpcPoolRootOptions,
} from './interfaces/module-options.interface.js';
import {
  validateModuleOptions,
  validateRootFactoryResult,
  validateRootOptions,
} from './options/validate-module-options.js';

/**
 * Captures each request's headers for the clients with `forwardMetadata`;
 * it does nothing while no client forwards any (see context/forwarding-wanted.ts).
 */
const FORWARDING: Provider = { provide: APP_INTERCEPTOR, useClass: ForwardMetadataInterceptor };

/**
 * Registers one pooled gRPC client per remote service. Each form checks its
 * own options when called (unknown keys, client entries, duplicate names);
 * each client's options are checked when its pool is built. Each client is
 * provided under its `name`, like `ClientsModule`, so `@Inject(name)` and
 * `@InjectGrpcPool(name)` both work. Every form also provides
 * `GrpcPoolHealthIndicator`, which finds any registered pool by name.
 * @publicApi
 */
@Module({})
export class GrpcPoolModule {
  /** Registers clients whose options are known up front. */
  static register(options: GrpcPoolModuleOptions): DynamicModule {
    validateModuleOptions(options, 'register');
    const providers = options.clients.map((client) =>
      createPoolProvider(client, options.prometheus),
    );
    return {
      module: GrpcPoolModule,
      global: options.isGlobal ?? false,
      providers: [...providers, GrpcPoolHealthIndicator, FORWARDING],
      exports: [...providers.map((provider) => provider.provide), GrpcPoolHealthIndicator],
    };
  }

  /** Registers clients whose options come from a factory or a class (e.g. from `ConfigService`). */
  static registerAsync(options: GrpcPoolModuleAsyncOptions): DynamicModule {
    validateModuleOptions(options, 'registerAsync');
    const providers: Provider[] = options.clients.flatMap((client) =>
      createAsyncPoolProviders(client, options.prometheus),
    );
    return {
      module: GrpcPoolModule,
      global: options.isGlobal ?? false,
      imports: options.clients.flatMap((client) => client.imports ?? []),
      providers: [...providers, GrpcPoolHealthIndicator, FORWARDING],
      exports: [...options.clients.map((client) => client.name), GrpcPoolHealthIndicator],
    };
  }

  /** Shared defaults that every registered client's own options override. Global. */
  static forRoot(options: GrpcPoolRootOptions): DynamicModule {
    validateRootOptions(options, 'forRoot');
    return {
      module: GrpcPoolModule,
      global: true,
      providers: [{ provide: GRPC_POOL_DEFAULTS, useValue: options }, GrpcPoolHealthIndicator],
      exports: [GRPC_POOL_DEFAULTS, GrpcPoolHealthIndicator],
    };
  }

  /** `forRoot` with defaults from a factory. Global. */
  static forRootAsync(options: GrpcPoolRootAsyncOptions): DynamicModule {
    validateRootOptions(options, 'forRootAsync');
    return {
      module: GrpcPoolModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: GRPC_POOL_DEFAULTS,
          useFactory: async (...deps: never[]): Promise<GrpcPoolRootOptions> => {
            const result: unknown = await options.useFactory(...deps);
            validateRootFactoryResult(result);
            return result as GrpcPoolRootOptions;
          },
          inject: options.inject ?? [],
        },
        GrpcPoolHealthIndicator,
      ],
      exports: [GRPC_POOL_DEFAULTS, GrpcPoolHealthIndicator],
    };
  }
}
