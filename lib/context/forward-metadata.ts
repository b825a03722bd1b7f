import { Metadata } from '@grpc/grpc-js';
import { inboundHeaders } from './request-context.js';

/**
 * Copies the allowed keys of the request being handled into a call's
 * metadata. What the call set itself wins: a key it has is left alone. The
 * caller's `Metadata` object is never changed: it is cloned when something
 * is added (`owned` says the pool made it, so it may be changed in place).
 */
export function forwardInbound(
  metadata: Metadata,
  keys: readonly string[],
  owned: boolean,
): Metadata {
  const inbound = keys.length === 0 ? undefined : inboundHeaders();
  if (inbound === undefined) return metadata;
  let target = metadata;
  for (const key of keys) {
    if (metadata.get(key).length > 0) continue;
    const values = inbound(key);
    if (values.length === 0) continue;
    const sendable = values.filter((value) => canSend(key, value));
    if (sendable.length === 0) continue;
    if (target === metadata && !owned) target = metadata.clone();
    for (const value of sendable) target.add(key, value);
  }
  return target;
}

/** What gRPC metadata may carry: printable ASCII text, or bytes under a `-bin` key. */
const PRINTABLE_ASCII = /^[ -~]*$/;

/**
 * A value gRPC cannot carry (a tab or a non-ASCII letter in an HTTP header,
 * bytes that are not valid base64) is left behind: the call goes without
 * it rather than failing, and the value, often a credential, is never put
 * into an error message.
 */
function canSend(key: string, value: string | Buffer): boolean {
  if (key.endsWith('-bin')) return Buffer.isBuffer(value);
  return typeof value === 'string' && PRINTABLE_ASCII.test(value);
}
