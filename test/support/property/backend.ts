/** What a property run drives its pool against: one backend, or a fleet behind a DNS name. */
export interface PropertyBackend {
  /** The pool's target. */
  target: string;
  /** Passes on the calls the raw fronts hold until release (now only, or from now on). */
  release(): void;
  stopHolding(): void;
  /** Every backend dies as a SIGKILLed process looks to a client; `up` brings them back. */
  down(): Promise<void>;
  up(): Promise<void>;
  /**
   * The DNS name now answers with these backends (indexes into the fleet; an index past the
   * fleet is an address where nothing listens). Undefined for a single backend.
   */
  moveTo?(backends: number[]): { deadAddress: boolean };
  /** A fleet's backend `index` dies, or comes back. Undefined for a single backend. */
  downOne?(index: number): Promise<void>;
  upOne?(index: number): Promise<void>;
  /** Whether the backend at `address` (a channel's target, host:port) serves now. */
  serves(address: string): boolean;
  close(): Promise<void>;
}
