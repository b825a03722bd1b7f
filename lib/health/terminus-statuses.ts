import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The first major of `@nestjs/terminus` with a `degraded` status (`HealthIndicatorSession.degraded()`). */
const FIRST_MAJOR_WITH_DEGRADED = 12;

/**
 * Whether the installed `@nestjs/terminus` has a `degraded` status. Terminus 11
 * knows only `up` and `down`, and its `HealthCheckService` drops any other
 * status from its answer.
 *
 * Read from the `version` of terminus's package.json (terminus 12 exports it
 * as `@nestjs/terminus/package.json`; 11 has no exports map), found the way an
 * import from here would find terminus, without loading terminus itself: the
 * library never imports it, so it works without it installed. Without terminus
 * the answer is true: nothing would drop the status, so results stay as
 * `pool.checkHealth()` gives them.
 */
export function terminusHasDegraded(): boolean {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve('@nestjs/terminus/package.json');
  } catch (error: unknown) {
    if ((error as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND') return true;
    throw error;
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return Number(version.split('.')[0]) >= FIRST_MAJOR_WITH_DEGRADED;
}
