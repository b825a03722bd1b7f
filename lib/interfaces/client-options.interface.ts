import type { ChannelCredentials, ClientOptions } from '@grpc/grpc-js';
import type { Options as ProtoLoaderOptions, PackageDefinition } from '@grpc/proto-loader';
import type { GrpcDefaultCallOptions } from './call-options.interface.js';
import type { Type } from '@nestjs/common';
import type { GrpcCallInterceptor } from './call-interceptor.interface.js';
import type { GrpcKeepaliveOptions } from './keepalive-options.interface.js';
import type { GrpcMethodOptions } from './method-options.interface.js';
import type { GrpcPoolChannelOptions } from './pool-options.interface.js';
import type { GrpcStartupOptions } from './startup-options.interface.js';
import type { GrpcPrometheusOptions, GrpcTelemetryOptions } from './telemetry-options.interface.js';
import type { GrpcTlsOptions } from './tls-options.interface.js';

/** A client's name: its injection token, as in `ClientsModule`. @publicApi */
export type GrpcPoolName = string | symbol;

/**
 * Options of one pooled client. A superset of the client side of
 * `@nestjs/microservices` `GrpcOptions['options']`.
 * @publicApi
 */
export interface GrpcPoolConnectionOptions {
  /** `host:port`, a resolver target (`dns:///name:port`, `ipv4:a:p,b:p`), or several addresses. Default `localhost:5000`. */
  url?: string | string[];
  /** Proto package(s) whose services this client calls. */
  package: string | string[];
  /** Path(s) of the `.proto` file(s); or give `packageDefinition`. */
  protoPath?: string | string[];
  /** A package definition already loaded with `@grpc/proto-loader`. */
  packageDefinition?: PackageDefinition;
  /** Options for `@grpc/proto-loader` (`keepCase`, `longs`, `includeDirs`, ...). */
  loader?: ProtoLoaderOptions;
  /** Channel credentials. Default: insecure (plaintext), or TLS from `tls`. */
  credentials?: ChannelCredentials;
  /** TLS or mutual TLS from PEM files or buffers; an alternative to `credentials`. */
  tls?: GrpcTlsOptions;
  /** grpc-js channel options, including `interceptors`. */
  channelOptions?: ClientOptions;
  keepalive?: GrpcKeepaliveOptions;
  maxSendMessageLength?: number;
  maxReceiveMessageLength?: number;
  maxMetadataSize?: number;
  pool?: GrpcPoolChannelOptions;
  defaultCallOptions?: GrpcDefaultCallOptions;
  /**
   * Call interceptors run around every attempt of every call, in order:
   * instances, or classes that `GrpcPoolModule` resolves from the container.
   */
  interceptors?: (GrpcCallInterceptor | Type<GrpcCallInterceptor>)[];
  /** Per-method settings, keyed `'Service/Method'` or `'Service/*'`. */
  methods?: Record<string, GrpcMethodOptions>;
  startup?: GrpcStartupOptions;
  /** How long shutdown lets calls in flight finish. Default `10000`. */
  drainTimeoutMs?: number;
  /**
   * Headers to copy from the request being handled into every call made while
   * handling it: HTTP headers in HTTP handlers, metadata in gRPC handlers
   * (e.g. `['authorization', 'x-request-id']`). An allow-list, case-insensitive;
   * never `grpc-*`, pseudo-headers or HTTP/2 connection headers. Metadata the
   * call sets itself wins. Default: none.
   */
  forwardMetadata?: string[];
  /**
   * OpenTelemetry metrics and spans, and Prometheus metrics, for this client.
   * `false` turns all of them off. Default `true` (each exporter still needs
   * its package, and Prometheus needs `prometheus`).
   */
  telemetry?: boolean | GrpcTelemetryOptions;
  /**
   * Prometheus metrics through the optional peer `prom-client`: `true` for
   * prom-client's default registry, or `{ registry }`. Usually set once on
   * `GrpcPoolModule.register()` or `forRoot()`. Default `false`.
   */
  prometheus?: boolean | GrpcPrometheusOptions;
}

/** @publicApi */
export interface GrpcPoolClientOptions extends GrpcPoolConnectionOptions {
  name: GrpcPoolName;
}
