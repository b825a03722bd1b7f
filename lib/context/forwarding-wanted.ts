/**
 * Whether any pool in the process forwards inbound headers. The capturing
 * interceptor is registered by every `GrpcPoolModule.register()`, but does
 * nothing (no async context, no cost per request) until a pool with
 * `forwardMetadata` exists: pools are built before the app takes requests.
 * Process-wide on purpose (listed in ARCHITECTURE.md): it gates the request
 * context, which is process-wide itself, and an interceptor of one module
 * must capture headers for a pool registered by another. Here in context/,
 * so the client that sets it and the interceptor that reads it both look
 * down at it.
 */
let wanted = false;

export function wantForwarding(): void {
  wanted = true;
}

export function forwardingWanted(): boolean {
  return wanted;
}
