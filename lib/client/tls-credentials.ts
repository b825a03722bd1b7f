import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import type { GrpcTlsOptions } from '../interfaces/tls-options.interface.js';
import { OptionRules } from '../options/option-rules.js';

/** TLS channel credentials from `tls`; a file that cannot be read fails start-up naming the field. */
export function tlsCredentials(poolName: GrpcPoolName, tls: GrpcTlsOptions): ChannelCredentials {
  const rules = new OptionRules(poolName);
  const pem = (value: string | Buffer | undefined, field: string): Buffer | null => {
    if (value === undefined) return null;
    if (Buffer.isBuffer(value)) return value;
    try {
      return readFileSync(value);
    } catch (error: unknown) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      return rules.fail(
        `tls.${field}`,
        `must be a readable PEM file (cannot read ${value}: ${reason})`,
      );
    }
  };
  return credentials.createSsl(pem(tls.ca, 'ca'), pem(tls.key, 'key'), pem(tls.cert, 'cert'));
}
