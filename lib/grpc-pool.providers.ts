import type { FactoryProvider, Provider, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { GrpcPool } from './client/grpc-pool.js';
import { GrpcPoolOptionsError } from './errors/invalid-options.error.js';
import { poolDisplayName } from './errors/pool-label.js';
import { GRPC_POOL_DEFAULTS } from './grpc-pool.constants.js';
import type { GrpcCallInterceptor } from './interfaces/call-interceptor.interface.js';
import type { GrpcPoolClientOptions, GrpcPoolName } from './interfaces/client-options.interface.js';
import type {
  GrpcPoolAsyncClientOptions,
  GrpcPoolFactoryResult,
  GrpcPoolModuleOptions,
  GrpcPoolOptionsFactory,
  GrpcPoolRootOptions,
} from './interfaces/module-options.interface.js';
import { blameDefaults } from './options/defaults-origin.js';
import { mergeDefaults } from './options/merge-defaults.js';
import { normalizeClientOptions } from './options/normalize-client-options.js';
import { isPlainObject } from './options/option-rules.js';

const optionalDefaults = { token: GRPC_POOL_DEFAULTS, optional: true };

async function createPool(
  name: GrpcPoolName,
  options: GrpcPoolFactoryResult,
  root: GrpcPoolRootOptions | undefined,
  moduleRef: ModuleRef,
  modulePrometheus: GrpcPoolModuleOptions['prometheus'],
): Promise<GrpcPool> {
  const client: GrpcPoolClientOptions = { ...normalizeClientOptions(name, options), name };
  const merged = mergeDefaults(root?.defaults, client);
  merged.prometheus = inheritPrometheus(
    modulePrometheus ?? root?.prometheus ?? root?.defaults.prometheus,
    client.prometheus,
  );
  if (Array.isArray(merged.interceptors)) {
    merged.interceptors = await Promise.all(
      merged.interceptors.map((entry) => resolveInterceptor(moduleRef, entry)),
    );
  }
  try {
    return new GrpcPool(merged);
  } catch (error: unknown) {
    throw blameDefaults(error, root?.defaults, client);
  }
}

/**
 * `prometheus` on the module (or on `forRoot`) covers its clients; a
 * client's own setting wins, field by field when both are objects (a
 * client's `buckets` keeps the module's `registry`), whole when it is a boolean.
 */
function inheritPrometheus(
  inherited: GrpcPoolModuleOptions['prometheus'],
  own: GrpcPoolModuleOptions['prometheus'],
): GrpcPoolModuleOptions['prometheus'] {
  if (own === undefined) return inherited;
  if (isPlainObject(own) && isPlainObject(inherited)) return { ...inherited, ...own };
  return own;
}

/**
 * A call interceptor given as a class: the app's provider if it registered
 * one (so it shares its dependencies), else a new instance with its
 * dependencies injected.
 */
async function resolveInterceptor(
  moduleRef: ModuleRef,
  entry: GrpcCallInterceptor | Type<GrpcCallInterceptor>,
): Promise<GrpcCallInterceptor> {
  if (typeof entry !== 'function') return entry;
  try {
    return moduleRef.get(entry, { strict: false });
  } catch {
    return moduleRef.create(entry);
  }
}

/** The provider of one client registered with `register()`: its token is the client's name. */
export function createPoolProvider(
  options: GrpcPoolClientOptions,
  modulePrometheus?: GrpcPoolModuleOptions['prometheus'],
): FactoryProvider<Promise<GrpcPool>> {
  return {
    provide: options.name,
    useFactory: (root: GrpcPoolRootOptions | undefined, moduleRef: ModuleRef) =>
      createPool(options.name, options, root, moduleRef, modulePrometheus),
    inject: [optionalDefaults, ModuleRef],
  };
}

/** The providers of one client registered with `registerAsync()`: its options, then its pool. */
export function createAsyncPoolProviders(
  client: GrpcPoolAsyncClientOptions,
  modulePrometheus?: GrpcPoolModuleOptions['prometheus'],
): Provider[] {
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
    const field = client.useClass ? 'useClass' : 'useExisting';
    providers.push({
      provide: optionsToken,
      useFactory: (factory: Partial<GrpcPoolOptionsFactory> | undefined) => {
        // Checked on the instance: a plain JS caller or a cast can pass any class.
        if (typeof factory?.createGrpcPoolOptions !== 'function') {
          throw new GrpcPoolOptionsError(
            client.name,
            field,
            `must provide a createGrpcPoolOptions() method (${className(factoryClass)} has none)`,
          );
        }
        return factory.createGrpcPoolOptions();
      },
      inject: [factoryClass],
    });
  }
  providers.push({
    provide: client.name,
    useFactory: (
      options: GrpcPoolFactoryResult,
      root: GrpcPoolRootOptions | undefined,
      moduleRef: ModuleRef,
    ) => createPool(client.name, options, root, moduleRef, modulePrometheus),
    inject: [optionsToken, optionalDefaults, ModuleRef],
  });
  return providers;
}

function className(token: unknown): string {
  return typeof token === 'function' && token.name !== '' ? token.name : String(token);
}
