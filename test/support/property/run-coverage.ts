/**
 * How many of a property's runs reached the rules their configs switch on, from the pool's
 * own log lines: a channel rotated at maxConnectionAgeMs, a backend ejected, and how many ran
 * the liveness probes. The seed log prints it, so a generator change that stops reaching a
 * rule shows there. A figure for people, never asserted.
 */
export class RunCoverage {
  private runs = 0;
  private rotated = 0;
  private ejected = 0;
  private probedRuns = 0;
  private seen = { rotated: false, ejected: false };

  startRun(): void {
    this.runs++;
    this.seen = { rotated: false, ejected: false };
  }

  sawLine(line: string): void {
    if (!this.seen.rotated && line.includes('reached maxConnectionAgeMs')) {
      this.seen.rotated = true;
      this.rotated++;
    }
    if (!this.seen.ejected && line.includes(' ejected: ')) {
      this.seen.ejected = true;
      this.ejected++;
    }
  }

  /** The run made its liveness probes (close() was not among its operations). */
  probed(): void {
    this.probedRuns++;
  }

  toString(): string {
    return (
      `runs ${this.runs}: a channel rotated at its age in ${this.rotated}, ` +
      `a backend ejected in ${this.ejected}, liveness probed in ${this.probedRuns}`
    );
  }
}
