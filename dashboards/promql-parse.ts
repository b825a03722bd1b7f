/**
 * A parser for the part of PromQL the dashboard uses: selectors with label
 * matchers and ranges, `rate`/`increase`, `histogram_quantile`, aggregations
 * with `by`/`without`, and arithmetic. Enough to evaluate the panels' own
 * expressions rather than a hand-written copy that could drift from them.
 */
export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'selector'; name: string; matchers: Matcher[]; rangeMs: number | undefined }
  | { kind: 'call'; fn: string; args: Expr[] }
  | { kind: 'aggregate'; op: string; labels: string[]; without: boolean; expr: Expr }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; lhs: Expr; rhs: Expr };

const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'count']);
const TOKEN =
  /\s*(?:([a-zA-Z_:][a-zA-Z0-9_:]*)|(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|("(?:[^"\\]|\\.)*")|(=~|!~|!=|[-+*/(){}[\],=]))/y;
const DURATION = /(\d+)(ms|s|m|h|d)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

type Token = { type: 'name' | 'number' | 'string' | 'punct'; text: string };

export function parsePromQL(source: string): Expr {
  const parser = new Parser(source);
  const expr = parser.expression();
  parser.expectEnd();
  return expr;
}

class Parser {
  private position = 0;
  private peeked: Token | undefined;

  constructor(private readonly source: string) {}

  expression(): Expr {
    let lhs = this.product();
    while (this.peekIs('+') || this.peekIs('-')) {
      const op = this.next().text as '+' | '-';
      lhs = { kind: 'binary', op, lhs, rhs: this.product() };
    }
    return lhs;
  }

  expectEnd(): void {
    if (this.peek() !== undefined) this.fail(`unexpected '${this.peek()!.text}'`);
  }

  private product(): Expr {
    let lhs = this.operand();
    while (this.peekIs('*') || this.peekIs('/')) {
      const op = this.next().text as '*' | '/';
      lhs = { kind: 'binary', op, lhs, rhs: this.operand() };
    }
    return lhs;
  }

  private operand(): Expr {
    const token = this.next();
    if (token.type === 'number') return { kind: 'number', value: Number(token.text) };
    if (token.text === '(') {
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (token.type !== 'name') return this.fail(`unexpected '${token.text}'`);
    if (AGGREGATIONS.has(token.text)) return this.aggregation(token.text);
    if (this.peekIs('(')) return { kind: 'call', fn: token.text, args: this.callArguments() };
    return this.selector(token.text);
  }

  private aggregation(op: string): Expr {
    let grouping = this.grouping();
    this.expect('(');
    const expr = this.expression();
    this.expect(')');
    grouping ??= this.grouping();
    return {
      kind: 'aggregate',
      op,
      expr,
      labels: grouping?.labels ?? [],
      without: !!grouping?.without,
    };
  }

  private grouping(): { labels: string[]; without: boolean } | undefined {
    if (!this.peekIs('by') && !this.peekIs('without')) return undefined;
    const without = this.next().text === 'without';
    this.expect('(');
    const labels: string[] = [];
    while (!this.peekIs(')')) {
      labels.push(this.next().text);
      if (!this.peekIs(')')) this.expect(',');
    }
    this.expect(')');
    return { labels, without };
  }

  private callArguments(): Expr[] {
    this.expect('(');
    const args: Expr[] = [];
    while (!this.peekIs(')')) {
      args.push(this.expression());
      if (!this.peekIs(')')) this.expect(',');
    }
    this.expect(')');
    return args;
  }

  private selector(name: string): Expr {
    const matchers: Matcher[] = [];
    if (this.peekIs('{')) {
      this.next();
      while (!this.peekIs('}')) {
        const label = this.next().text;
        const op = this.next().text as Matcher['op'];
        if (!['=', '!=', '=~', '!~'].includes(op)) this.fail(`bad matcher operator '${op}'`);
        const value = this.next();
        if (value.type !== 'string') this.fail(`label ${label} needs a quoted value`);
        matchers.push({ label, op, value: JSON.parse(value.text) as string });
        if (!this.peekIs('}')) this.expect(',');
      }
      this.next();
    }
    return { kind: 'selector', name, matchers, rangeMs: this.range() };
  }

  /** `[4s]`, `[1m30s]`: read straight from the source after the `[`, durations are not tokens. */
  private range(): number | undefined {
    if (!this.peekIs('[')) return undefined;
    this.next();
    const close = this.source.indexOf(']', this.position);
    if (close === -1) this.fail('unclosed range');
    const text = this.source.slice(this.position, close).trim();
    this.position = close + 1;
    let ms = 0;
    let matched = '';
    for (const [part, amount, unit] of text.matchAll(DURATION)) {
      ms += Number(amount) * UNIT_MS[unit];
      matched += part;
    }
    if (matched !== text || ms === 0) this.fail(`bad range [${text}]`);
    return ms;
  }

  private peek(): Token | undefined {
    if (this.peeked !== undefined) return this.peeked;
    if (/^\s*$/.test(this.source.slice(this.position))) return undefined;
    TOKEN.lastIndex = this.position;
    const match = TOKEN.exec(this.source);
    if (match === null) return this.fail('unreadable text');
    this.position = TOKEN.lastIndex;
    const [, name, number, string, punct] = match;
    this.peeked =
      name !== undefined
        ? { type: 'name', text: name }
        : number !== undefined
          ? { type: 'number', text: number }
          : string !== undefined
            ? { type: 'string', text: string }
            : { type: 'punct', text: punct };
    return this.peeked;
  }

  private peekIs(text: string): boolean {
    return this.peek()?.text === text;
  }

  private next(): Token {
    const token = this.peek();
    if (token === undefined) return this.fail('unexpected end');
    this.peeked = undefined;
    return token;
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text) this.fail(`expected '${text}', got '${token.text}'`);
  }

  private fail(message: string): never {
    throw new Error(`PromQL: ${message} at ${this.position} in: ${this.source}`);
  }
}
