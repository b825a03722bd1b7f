/**
 * `npm run flapping`: the backend dies and comes back every 500 ms for
 * FLAP_SECONDS (default 20) under 32 callers, half unary, half server
 * streaming (5 messages, 20 ms apart), every call with a 1 s deadline,
 * through the built package with its defaults. FLAP_HOW=sigkill kills the
 * process itself (a standby process binds the port); the default, reset,
 * resets every connection and refuses new ones for the down time, which a
 * client cannot tell apart and which costs no CPU. Prints the calls, the
 * failures by code, successes without all their messages, the largest
 * overshoot past a deadline, the calls left unsettled, and the pool's
 * stats() invariant; exits non-zero when a guard is broken.
 */
import { Logger } from '@nestjs/common';
import { GrpcPool } from '../dist/index.js';
import type { EchoService } from '../test/support/echo-client.js';
import { startFlappingBackend, type FlapHow } from '../test/support/flapping-backend.js';
import { flappingLoad } from '../test/support/flapping-load.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../test/support/protos.js';
import { sleep } from '../test/support/wait-for.js';

const SECONDS = Number(process.env.FLAP_SECONDS ?? 20);
const HOW = (process.env.FLAP_HOW ?? 'reset') as FlapHow;
const DEADLINE_MS = 1000;
const MAX_OVERSHOOT_MS = 200;

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const backend = await startFlappingBackend({ killEveryMs: 500, how: HOW });
  const pool = new GrpcPool({
    name: 'FLAPPING',
    package: ECHO_PACKAGE,
    protoPath: ECHO_PROTO,
    url: backend.address,
  });
  void pool.onModuleInit();
  console.log(
    `flapping (${HOW}): the backend dies every 500 ms for ${SECONDS} s; 32 callers, ${DEADLINE_MS} ms deadlines`,
  );
  const load = flappingLoad(pool.getService<EchoService>('EchoService'), {
    callers: 32,
    timeoutMs: DEADLINE_MS,
  });
  await sleep(SECONDS * 1000);
  const figures = await load.stop();
  await backend.stop();
  await pool.close();

  const { started, ok, failed } = pool.stats().calls;
  const downtimes = backend.downtimesMs;
  const failedByCode = Object.entries(figures.failed)
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
  console.log(
    `- backend deaths: ${backend.kills} (down ${Math.min(...downtimes)}–${Math.max(...downtimes)} ms each)`,
  );
  console.log(
    `- calls: ${figures.calls}; ok ${figures.ok}; failed ${figures.calls - figures.ok - figures.unsettled} (${failedByCode})`,
  );
  console.log(`- successes without all their messages: ${figures.successesWithoutMessages}`);
  console.log(
    `- largest overshoot past the ${DEADLINE_MS} ms deadline: ${Math.max(0, figures.maxOvershootMs)} ms (limit ${MAX_OVERSHOOT_MS})`,
  );
  console.log(`- calls left unsettled: ${figures.unsettled}`);
  const holds = started === ok + failed;
  console.log(`- stats(): started ${started} ${holds ? '===' : '!=='} ok ${ok} + failed ${failed}`);
  if (
    figures.successesWithoutMessages > 0 ||
    figures.maxOvershootMs > MAX_OVERSHOOT_MS ||
    figures.unsettled > 0 ||
    !holds
  ) {
    console.log('FAILED: a guard is broken');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
