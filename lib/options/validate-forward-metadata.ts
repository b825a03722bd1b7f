import type { OptionRules } from './option-rules.js';
import { describe } from './option-rules.js';

/**
 * Headers a call must not take from another request: HTTP/2 and HTTP/1.1
 * connection headers, and those grpc-js sets for the call itself.
 */
const NOT_FORWARDABLE = new Set([
  'connection',
  'content-length',
  'content-type',
  'host',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'user-agent',
]);

/** A metadata key as gRPC allows it (lowercase). */
const METADATA_KEY = /^[0-9a-z_.-]+$/;

/**
 * `forwardMetadata`: an array of header names, each one a key gRPC
 * metadata can carry and none that gRPC or HTTP/2 own. Returns them
 * lowercased and without repeats (headers are case-insensitive).
 */
export function validateForwardMetadata(rules: OptionRules, keys: unknown): string[] {
  if (keys === undefined) return [];
  if (!Array.isArray(keys)) {
    rules.fail('forwardMetadata', `must be an array of header names (got ${describe(keys)})`);
  }
  const lowered = keys.map((key: unknown, i) => {
    const field = `forwardMetadata[${i}]`;
    if (typeof key !== 'string' || key === '') {
      rules.fail(field, `must be a non-empty string (got ${describe(key)})`);
    }
    const name = key.toLowerCase();
    if (name.startsWith('grpc-'))
      rules.fail(field, `"${key}" is reserved: grpc-js sets grpc-* itself`);
    if (name.startsWith(':')) rules.fail(field, `"${key}" is an HTTP/2 pseudo-header`);
    if (NOT_FORWARDABLE.has(name)) {
      rules.fail(
        field,
        `"${key}" belongs to the connection, not the request: it cannot be forwarded`,
      );
    }
    if (!METADATA_KEY.test(name)) {
      rules.fail(
        field,
        `"${key}" is not a gRPC metadata key (letters, digits, "-", "_", "." only)`,
      );
    }
    return name;
  });
  return [...new Set(lowered)];
}
