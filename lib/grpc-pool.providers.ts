import type { FactoryProvider, Provider } from '@nestjs/common';
import { GrpcPool } from './client/grpc-pool.js';
import { GrpcPoolOptionsError } from './errors/invalid-options.error.js';
import { poolDisplayName } from './errors/pool-label.js';
import { GRPC_POOL_DEFAULTS } from './grpc-pool.constants.js';
import type { GrpcPoolClientOptions, GrpcPoolName } from './interfaces/client-options.interface.js';
import type {
  GrpcPoolAsyncClientOptions,
  GrpcPoolFactoryResult,
  GrpcPoolOptionsFactory,
  GrpcPoolRootOptions,
} from './interfaces/module-options.interface.js';
import { mergeDefaults } from './options/merge-defaults.js';
import { normalizeClientOptions } from './options/normalize-client-options.js';

const optionalDefaults = { token: GRPC_POOL_DEFAULTS, optional: true };

function createPool(
  name: GrpcPoolName,
  options: GrpcPoolFactoryResult,
  root: GrpcPoolRootOptions | undefined,
): GrpcPool {
  const client: GrpcPoolClientOptions = { ...normalizeClientOptions(name, options), name };
  return new GrpcPool(mergeDefaults(root?.defaults, client));
}

/** The provider of one client registered with `register()`: its token is the client's name. */
export function createPoolProvider(options: GrpcPoolClientOptions): FactoryProvider<GrpcPool> {
  return {
    provide: options.name,
    useFactory: (root?: GrpcPoolRootOptions) => createPool(options.name, options, root),
    inject: [optionalDefaults],
  };
}

/** The providers of one client registered with `registerAsync()`: its options, then its pool. */
export function createAsyncPoolProviders(client: GrpcPoolAsyncClientOptions): Provider[] {
  const optionsToken = Symbol(`GrpcPoolOptions(${poolDisplayName(client.name)})`);
  const providers: Provider[] = [...(client.extraProviders ?? [])];
  if (client.useFactory) {
    providers.push({
      provide: optionsToken,
      useFactory: client.useFactory,
      inject: client.inject ?? [],
    });
  } else {
    const factoryClass = client.useClass ?? client.useExisting;
    if (factoryClass === undefined) {
      throw new GrpcPoolOptionsError(
        client.name,
        'useFactory',
        'is required, or else useClass or useExisting',
      );
    }
    if (client.useClass) providers.push(client.useClass);
    providers.push({
      provide: optionsToken,
      useFactory: (factory: GrpcPoolOptionsFactory) => factory.createGrpcPoolOptions(),
      inject: [factoryClass],
    });
  }
  providers.push({
    provide: client.name,
    useFactory: (options: GrpcPoolFactoryResult, root?: GrpcPoolRootOptions) =>
      createPool(client.name, options, root),
    inject: [optionsToken, optionalDefaults],
  });
  return providers;
}
