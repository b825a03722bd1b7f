import { Metadata } from '@grpc/grpc-js';
import type { ExecutionContext } from '@nestjs/common';
import type { InboundHeaders } from '../interceptors/request-context.js';

type HeaderValue = string | string[] | undefined;

/** Binary (`-bin`) metadata travels base64-encoded in HTTP headers. */
function fromHttp(key: string, value: string): string | Buffer {
  return key.endsWith('-bin') ? Buffer.from(value, 'base64') : value;
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
