import { status } from '@grpc/grpc-js';
import type { CallOperation } from './operations.js';

/**
 * How a call told its caller it ended: Observable complete/error, Promise resolve/reject,
 * iterator end/throw; `thrown`: the facade method threw instead of returning the call.
 */
export type Settlement = 'complete' | 'error' | 'resolve' | 'reject' | 'end' | 'throw' | 'thrown';

/**
 * One call of a run, as the model sees it: the codes it may end with, which grow only when
 * something that can end it happens while it is unsettled (its deadline, an abort, a dead
 * backend, close()), and what it actually told its caller.
 */
export class CallRecord {
  /** Codes the call may end with, each with why (for the failure message). */
  readonly allowed = new Map<number, string>();
  readonly settlements: { how: Settlement; code: number; details: string }[] = [];
  /** Messages delivered after the call settled, or after its signal was aborted. */
  messagesAfterSettle = 0;
  messagesAfterAbort = 0;
  /** Set once the call's signal is aborted (own or shared), so late messages can be told. */
  aborted = false;
  /** Once fixed, nothing that happens later changes what the call may end with (e.g. INVALID_ARGUMENT). */
  fixed = false;
  private settle!: () => void;
  /** Resolves at the first settlement. */
  readonly settled = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(
    readonly index: number,
    readonly operation: CallOperation,
    readonly description: string,
    readonly controller: AbortController | undefined,
  ) {}

  get isSettled(): boolean {
    return this.settlements.length > 0;
  }

  /** What the call ended with first (undefined while it runs). */
  get outcome(): { how: Settlement; code: number; details: string } | undefined {
    return this.settlements[0];
  }

  allow(code: number, why: string): void {
    if (this.fixed || this.allowed.has(code)) return;
    this.allowed.set(code, why);
  }

  /** Only `code` from now on: the call's outcome does not depend on anything that happens later. */
  only(code: number, why: string): void {
    this.allowed.clear();
    this.allowed.set(code, why);
    this.fixed = true;
  }

  /** Something that can end the call happened: if it still runs, it may end with these codes. */
  disrupt(codes: number[], why: string): void {
    if (this.isSettled) return;
    for (const code of codes) this.allow(code, why);
  }

  message(): void {
    if (this.isSettled) this.messagesAfterSettle++;
    else if (this.aborted) this.messagesAfterAbort++;
  }

  recordSettlement(how: Settlement, code: number, details = ''): void {
    this.settlements.push({ how, code, details });
    if (this.settlements.length === 1) this.settle();
  }
}

export const codeName = (code: number): string =>
  (status as unknown as Record<number, string>)[code] ?? `Code(${code})`;
