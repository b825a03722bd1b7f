/** Outlier detection settings, resolved. */
export interface OutlierPolicy {
  /** Failures in a row (UNAVAILABLE) that eject a backend. */
  consecutiveFailures: number;
  /** First ejection period; each ejection in a row doubles it, up to `maxEjectionMs`. */
  baseEjectionMs: number;
  maxEjectionMs: number;
}
