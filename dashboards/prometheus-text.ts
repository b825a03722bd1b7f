/** One sample of a scrape: `name{labels} value`. */
export interface TextSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/**
 * The samples of a Prometheus text exposition (format 0.0.4, what prom-client
 * writes). Comments (`# HELP`, `# TYPE`) and timestamps are skipped: the
 * scraper stamps every sample with the time it asked.
 */
export function parsePrometheusText(text: string): TextSample[] {
  const samples: TextSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    samples.push(parseLine(line));
  }
  return samples;
}

function parseLine(line: string): TextSample {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) throw new Error(`not a sample line: ${line}`);
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = LABEL_NAME.exec(rest)?.[0];
      if (label === undefined || rest[label.length] !== '=' || rest[label.length + 1] !== '"') {
        throw new Error(`bad label in: ${line}`);
      }
      const [value, used] = readQuoted(rest, label.length + 2, line);
      labels[label] = value;
      rest = rest.slice(used).replace(/^,/, '');
    }
    rest = rest.slice(1);
  }
  const [valueText] = rest.trim().split(/\s+/);
  return { name, labels, value: parseValue(valueText, line) };
}

/** The label value starting after its opening quote at `from`; and where the text after it begins. */
function readQuoted(text: string, from: number, line: string): [string, number] {
  let value = '';
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (char === '"') return [value, i + 1];
    if (char !== '\\') {
      value += char;
      continue;
    }
    const escaped = text[++i];
    value += escaped === 'n' ? '\n' : escaped;
  }
  throw new Error(`unterminated label value in: ${line}`);
}

function parseValue(text: string | undefined, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (text === undefined || text === '' || Number.isNaN(value)) {
    throw new Error(`bad value in: ${line}`);
  }
  return value;
}
