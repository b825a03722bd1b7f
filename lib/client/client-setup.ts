import { credentials as grpcCredentials } from '@grpc/grpc-js';
import { registerXdsFor } from '../discovery/xds-registration.js';
import type { GrpcPoolClientOptions } from '../interfaces/client-options.interface.js';
import { OptionRules } from '../options/option-rules.js';
import {
  applyClientDefaults,
  type ResolvedClientOptions,
} from '../options/resolve-client-options.js';
import { tlsCredentials } from './tls-credentials.js';
import { validateClientOptions } from '../options/validate-client-options.js';
import { loadPackageDefinition } from '../proto/load-package-definition.js';

export type { ResolvedClientOptions };

/**
 * Validates, registers xDS if a target asks for it, loads the protos, makes
 * the credentials and applies defaults. Throws `GrpcPoolOptionsError`, in
 * this order: the options' shape, xDS, protos, TLS files, forwarded keys.
 */
export function resolveClientOptions(options: GrpcPoolClientOptions): ResolvedClientOptions {
  validateClientOptions(options);
  registerXdsFor(new OptionRules(options.name), options.url);
  const packageDefinition = loadPackageDefinition(options);
  const credentials =
    options.credentials ??
    (options.tls ? tlsCredentials(options.name, options.tls) : grpcCredentials.createInsecure());
  return applyClientDefaults(options, { packageDefinition, credentials });
}
