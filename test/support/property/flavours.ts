import { FLEET_SIZE, startDnsBackends } from './dns-backends.js';
import type { RunFlavour } from './run-sequence.js';
import { startSingleBackend } from './single-backend.js';

/** One backend behind a raw HTTP/2 front and a TCP proxy that can die. */
export const SINGLE_BACKEND: RunFlavour = {
  startBackend: startSingleBackend,
};

/**
 * A fleet of FLEET_SIZE such backends behind a DNS name the pool follows itself, refreshing
 * often (the pool's floor, 100 ms) so moves take effect within a run.
 */
export const DNS_FLEET: RunFlavour & { fleetSize: number } = {
  startBackend: startDnsBackends,
  pool: { dns: { refreshIntervalMs: 100 } },
  fleetSize: FLEET_SIZE,
};
