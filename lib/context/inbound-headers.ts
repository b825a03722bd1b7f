import { Metadata } from '@grpc/grpc-js';
import type { ExecutionContext } from '@nestjs/common';
import type { InboundHeaders } from './request-context.js';

type HeaderValue = string | string[] | undefined;

/** Standard or URL-safe base64, padded or not. */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Binary (`-bin`) metadata travels base64-encoded in HTTP headers. A value
 * that is not base64 stays a string, which a `-bin` key cannot carry: it is
 * not forwarded (forward-metadata.ts).
 */
function fromHttp(key: string, value: string): string | Buffer {
  if (!key.endsWith('-bin') || !BASE64.test(value)) return value;
  return Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
}

/**
 * A reader of the inbound request's headers (express and fastify requests
 * both keep them lowercased in `headers`) or gRPC metadata, reading them
 * only when a call asks: nothing is copied for requests that make no call.
 * Undefined for other contexts (WebSocket, or an RPC transport other than gRPC).
 */
export function inboundHeadersOf(context: ExecutionContext): InboundHeaders | undefined {
  if (context.getType() === 'http') {
    const request = context.switchToHttp().getRequest<{ headers?: Record<string, HeaderValue> }>();
    const headers = request?.headers;
    if (typeof headers !== 'object' || headers === null) return undefined;
    return (key) => {
      const value = headers[key];
      if (value === undefined) return [];
      return (Array.isArray(value) ? value : [value]).map((one) => fromHttp(key, one));
    };
  }
  if (context.getType() === 'rpc') {
    const metadata: unknown = context.switchToRpc().getContext();
    if (metadata instanceof Metadata) return (key) => metadata.get(key);
  }
  return undefined;
}
