import type { GrpcPoolStats } from '../../../lib/index.js';
import { codeName, type CallRecord } from './call-record.js';

const describeAllowed = (record: CallRecord): string =>
  [...record.allowed].map(([code, why]) => `${codeName(code)} (${why})`).join(', ') || 'nothing';

/** What is wrong with one call once the run has ended; empty when nothing is. */
export function callViolations(record: CallRecord): string[] {
  const name = `#${record.index} ${record.description}`;
  const problems: string[] = [];
  const { settlements } = record;
  if (settlements.length === 0) return [`${name}: never settled`];
  if (settlements.length > 1) {
    problems.push(
      `${name}: settled ${settlements.length} times: ` +
        settlements.map((s) => `${s.how} ${codeName(s.code)}`).join(', '),
    );
  }
  const { how, code, details } = settlements[0];
  if (how === 'thrown') {
    problems.push(
      `${name}: the facade method threw (${codeName(code)} "${details}") instead of failing the call`,
    );
  } else if (!record.allowed.has(code)) {
    const streamNote =
      code === 0 && how !== 'resolve' ? ' (a stream completed though the answer was not OK)' : '';
    problems.push(
      `${name}: ended ${how} ${codeName(code)} "${details}"${streamNote}; allowed: ${describeAllowed(record)}`,
    );
  }
  if (record.messagesAfterSettle > 0) {
    problems.push(`${name}: ${record.messagesAfterSettle} messages after it settled`);
  }
  if (record.messagesAfterAbort > 0) {
    problems.push(`${name}: ${record.messagesAfterAbort} messages after its signal was aborted`);
  }
  return problems;
}

/** What is wrong with the pool once it is closed and every call has settled. */
export function closedPoolViolations(stats: GrpcPoolStats): string[] {
  const problems: string[] = [];
  const { calls, inFlight, queued } = stats;
  if (inFlight !== 0 || queued !== 0) {
    problems.push(`after close(): ${inFlight} in flight, ${queued} queued (want 0 and 0)`);
  }
  if (calls.started !== calls.ok + calls.failed) {
    problems.push(
      `counts do not add up: started ${calls.started} != ok ${calls.ok} + failed ${calls.failed} ` +
        `(byCode ${JSON.stringify(calls.byCode)})`,
    );
  }
  return problems;
}
