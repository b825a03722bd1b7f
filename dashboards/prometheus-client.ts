/** One series of a range query: its labels and its [unix seconds, value] samples. */
export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** One series of an instant query. */
export interface InstantSample {
  metric: Record<string, string>;
  value: [number, string];
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  error?: string;
}

/** Prometheus's HTTP API, the few endpoints the script reads: readiness, queries, metric names. */
export class PrometheusClient {
  constructor(readonly base: string) {}

  async ready(): Promise<boolean> {
    try {
      const response = await fetch(`${this.base}/-/ready`, { signal: AbortSignal.timeout(1000) });
      return response.ok;
    } catch {
      return false;
    }
  }

  /** `/api/v1/query_range` from `start` to `end` (unix seconds) every `stepS` seconds. */
  queryRange(expr: string, start: number, end: number, stepS: number): Promise<RangeSeries[]> {
    return this.result<RangeSeries[]>('query_range', {
      query: expr,
      start: String(start),
      end: String(end),
      step: String(stepS),
    });
  }

  /** `/api/v1/query` at `time` (unix seconds). */
  query(expr: string, time: number): Promise<InstantSample[]> {
    return this.result<InstantSample[]>('query', { query: expr, time: String(time) });
  }

  /** `/api/v1/label/__name__/values`: every metric name with a sample between `start` and `end`. */
  metricNames(start: number, end: number): Promise<string[]> {
    return this.get<string[]>('label/__name__/values', { start: String(start), end: String(end) });
  }

  private async result<T>(endpoint: string, params: Record<string, string>): Promise<T> {
    return (await this.get<{ result: T }>(endpoint, params)).result;
  }

  private async get<T>(endpoint: string, params: Record<string, string>): Promise<T> {
    const url = `${this.base}/api/v1/${endpoint}?${new URLSearchParams(params)}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const answer = (await response.json()) as ApiAnswer<T>;
    if (answer.status !== 'success' || answer.data === undefined) {
      throw new Error(
        `prometheus ${endpoint} failed (${response.status}): ${answer.error} for ${params.query ?? ''}`,
      );
    }
    return answer.data;
  }
}

/** A sample value as Prometheus writes it ("NaN", "+Inf", "0.25"); NaN and infinities become gaps. */
export function sampleValue(text: string): number | null {
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
