/**
 * Whether any pool in the process forwards inbound headers. The capturing
 * interceptor is registered by every `GrpcPoolModule.register()`, but does
 * nothing (no async context, no cost per request) until a pool with
 * `forwardMetadata` exists: pools are built before the app takes requests.
 */
let wanted = false;

export function wantForwarding(): void {
  wanted = true;
}

export function forwardingWanted(): boolean {
  return wanted;
}
