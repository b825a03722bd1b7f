/**
 * The longest timeout the wire carries intact: grpc-js sends a timeout of 1e8 ms or more in whole
 * seconds rounded up, so a valid 2^31 - 1 ms left it as 2,147,484 s, past the longest timer a
 * Node server (grpc-js's own) can set, which then fires at once: the call failed
 * DEADLINE_EXCEEDED as it started. A whole number of seconds below 2^31 ms cannot round past it.
 */
const MAX_WIRE_TIMEOUT_MS = 2_147_483_000;

/**
 * A deadline further than the wire carries moves in to MAX_WIRE_TIMEOUT_MS (at most 647 ms of
 * 24.8 days). Every call a pool sends goes through it, whichever facade made it.
 */
export function sendableDeadline(deadline: number | undefined): number | undefined {
  if (deadline === undefined || !Number.isFinite(deadline)) return deadline;
  return Math.min(deadline, Date.now() + MAX_WIRE_TIMEOUT_MS);
}
