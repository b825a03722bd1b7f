/**
 * Keepalive settings with the field names `@nestjs/microservices` uses.
 * @publicApi
 */
export interface GrpcKeepaliveOptions {
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
  keepalivePermitWithoutCalls?: number;
  http2MaxPingsWithoutData?: number;
  http2MinTimeBetweenPingsMs?: number;
  http2MinPingIntervalWithoutDataMs?: number;
  http2MaxPingStrikes?: number;
}
