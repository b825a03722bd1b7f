import { status } from '@grpc/grpc-js';
import { describe, expect, it } from '@jest/globals';
import { CallOutcomes } from './call-outcomes.js';
import { codeSlot, goCodeName, statusName } from './grpc-code-names.js';

/** Codes no gRPC status has: telemetry must never size, name or lose anything by them. */
const ODD_CODES = [50000000, 1000, 17, -1, 2.5, NaN];

describe('telemetry by status code', () => {
  it('counts an odd code in the UNKNOWN slot, so ok + failed still adds up to the calls finished', () => {
    const outcomes = new CallOutcomes(16);
    outcomes.finish(status.OK, 1);
    for (const code of ODD_CODES) outcomes.finish(code, 1);
    expect(outcomes.counts()).toEqual({
      started: 0,
      ok: 1,
      failed: ODD_CODES.length,
      byCode: { OK: 1, UNKNOWN: ODD_CODES.length },
    });
    expect(outcomes.count(50000000 as status)).toBe(ODD_CODES.length);
  });

  it('names an odd code Unknown, never after its number', () => {
    for (const code of ODD_CODES) {
      expect(codeSlot(code)).toBe(status.UNKNOWN);
      expect(statusName(code)).toBe('UNKNOWN');
      expect(goCodeName(code)).toBe('Unknown');
    }
    expect(goCodeName(status.DEADLINE_EXCEEDED)).toBe('DeadlineExceeded');
    expect(statusName(status.DEADLINE_EXCEEDED)).toBe('DEADLINE_EXCEEDED');
  });
});
