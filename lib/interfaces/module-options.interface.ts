import type {
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Provider,
  Type,
} from '@nestjs/common';
import type { GrpcPrometheusOptions } from './telemetry-options.interface.js';
import type {
  GrpcPoolClientOptions,
  GrpcPoolConnectionOptions,
  GrpcPoolName,
} from './client-options.interface.js';

/** @publicApi */
export interface GrpcPoolModuleOptions {
  clients: GrpcPoolClientOptions[];
  isGlobal?: boolean;
  /** Prometheus metrics for these clients (a client's own `prometheus` wins). Default `false`. */
  prometheus?: boolean | GrpcPrometheusOptions;
}

/** Options a factory may return: the connection options, with any `name` ignored. @publicApi */
export type GrpcPoolFactoryResult = GrpcPoolConnectionOptions & { name?: GrpcPoolName };

/** A class that builds a client's options, for `useClass` / `useExisting`. @publicApi */
export interface GrpcPoolOptionsFactory {
  createGrpcPoolOptions(): GrpcPoolFactoryResult | Promise<GrpcPoolFactoryResult>;
}

/** @publicApi */
export interface GrpcPoolAsyncClientOptions extends Pick<ModuleMetadata, 'imports'> {
  name: GrpcPoolName;
  useFactory?: (...args: never[]) => GrpcPoolFactoryResult | Promise<GrpcPoolFactoryResult>;
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  useClass?: Type<GrpcPoolOptionsFactory>;
  useExisting?: Type<GrpcPoolOptionsFactory>;
  extraProviders?: Provider[];
}

/** @publicApi */
export interface GrpcPoolModuleAsyncOptions {
  clients: GrpcPoolAsyncClientOptions[];
  isGlobal?: boolean;
  /** Prometheus metrics for these clients (a client's own `prometheus` wins). Default `false`. */
  prometheus?: boolean | GrpcPrometheusOptions;
}

/** Defaults shared by every client; each client's own options override them. @publicApi */
export type GrpcPoolDefaults = Partial<Omit<GrpcPoolConnectionOptions, 'package'>> & {
  package?: string | string[];
};

/** @publicApi */
export interface GrpcPoolRootOptions {
  defaults: GrpcPoolDefaults;
  /** Prometheus metrics for every client (a module's or client's own `prometheus` wins). Default `false`. */
  prometheus?: boolean | GrpcPrometheusOptions;
}

/** @publicApi */
export interface GrpcPoolRootAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: never[]) => GrpcPoolRootOptions | Promise<GrpcPoolRootOptions>;
  inject?: (InjectionToken | OptionalFactoryDependency)[];
}
