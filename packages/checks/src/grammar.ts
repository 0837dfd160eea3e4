/**
 * The assertion language of `sonde check` and `POST /v1/checks`, parsed by recursive descent
 * with positions, so a typo is reported where it is:
 *
 *   check    := operand cmp operand
 *   cmp      := '<' | '<=' | '>' | '>=' | '==' | '!='
 *   operand  := quantity | metric
 *   quantity := NUMBER [unit]                 unit: ns us µs ms s m (time) — none for counts
 *   metric   := NAME ('.' NAME)* [labels] ['/s']
 *   labels   := '{' [label (',' label)*] '}'
 *   label    := NAME ('=' | '!=') value       value: NAME-ish run, NUMBER, or "quoted string"
 *             | value                         a bare selector: a label with name '' (counter{ListenOverflows})
 *
 * e.g. `p99 < 5ms`, `count > 0`, `p99{key=127.0.0.1} <= 2ms`, `drops{reason=TCP_LISTEN_OVERFLOW} == 0`,
 * `events/s < 1`, `avg < p99`, `counter{TcpExt.ListenOverflows} == 0`, `crosscheck{ListenOverflows} == agree`.
 */

export type CmpOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Label {
  name: string;
  op: '=' | '!=';
  value: string;
}

export interface MetricRef {
  type: 'metric';
  /** e.g. ['p99'] or ['total', 'p99'] */
  path: string[];
  labels: Label[];
  /** `/s`: divided by the job's duration in seconds */
  rate: boolean;
  /** the source text of this operand */
  text: string;
}

export interface Quantity {
  type: 'quantity';
  value: number;
  /** a time unit as written, or null for a plain number */
  unit: TimeUnit | null;
  text: string;
}

export type Operand = MetricRef | Quantity;

export interface Assertion {
  source: string;
  left: Operand;
  op: CmpOp;
  right: Operand;
}

export type TimeUnit = 'ns' | 'us' | 'ms' | 's' | 'm';

/** nanoseconds per unit */
export const TIME_UNITS: Record<TimeUnit, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9 };

export class AssertionSyntaxError extends Error {
  constructor(
    readonly source: string,
    /** 0-based column */
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${reason} at column ${column + 1} of '${source}'`);
    this.name = 'AssertionSyntaxError';
  }
  /** the source with a caret under the problem (for terminals) */
  get pointer(): string {
    return `${this.source}\n${' '.repeat(this.column)}^`;
  }
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const LABEL_VALUE_CHAR = /[^\s,}"=!]/;

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Assertion {
    this.ws();
    if (this.i >= this.s.length) this.fail('empty assertion; expected e.g. `p99 < 5ms`');
    const left = this.operand();
    this.ws();
    const op = this.cmp();
    this.ws();
    const right = this.operand();
    this.ws();
    if (this.i < this.s.length) this.fail(`unexpected '${this.s[this.i]}' after the assertion`);
    return { source: this.s, left, op, right };
  }

  private fail(reason: string, at = this.i): never {
    throw new AssertionSyntaxError(this.s, at, reason);
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private peek(n = 0): string {
    return this.s[this.i + n] ?? '';
  }

  private cmp(): CmpOp {
    const two = this.s.slice(this.i, this.i + 2);
    for (const op of ['<=', '>=', '==', '!='] as const) {
      if (two === op) {
        this.i += 2;
        return op;
      }
    }
    const c = this.peek();
    if (c === '<' || c === '>') {
      this.i++;
      return c;
    }
    if (c === '=') this.fail("'=' is not a comparison; use '=='");
    this.fail(c ? `expected a comparison (< <= > >= == !=), got '${c}'` : 'expected a comparison (< <= > >= == !=) at the end');
  }

  private operand(): Operand {
    const c = this.peek();
    if (/[0-9.]/.test(c) || ((c === '-' || c === '+') && /[0-9.]/.test(this.peek(1)))) return this.quantity();
    if (NAME_START.test(c)) return this.metric();
    this.fail(c ? `expected a metric (p99, count, …) or a number, got '${c}'` : 'expected a metric or a number at the end');
  }

  private quantity(): Quantity {
    const start = this.i;
    const m = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(this.s.slice(this.i));
    if (!m) this.fail('expected a number');
    this.i += m[0].length;
    const value = Number(m[0]);
    let unit: TimeUnit | null = null;
    let word = '';
    // a unit may follow after spaces (`2 s`); anything else after them is for the caller
    let j = this.i;
    while (j < this.s.length && this.s[j] === ' ') j++;
    if (j > this.i && /^(ns|us|µs|ms|s|m)(?![A-Za-z0-9_])/.test(this.s.slice(j))) this.i = j;
    const unitStart = this.i;
    while (this.i < this.s.length && /[A-Za-zµ]/.test(this.peek())) word += this.s[this.i++];
    if (word) {
      const u = word === 'µs' ? 'us' : word;
      if (!(u in TIME_UNITS)) this.fail(`unknown unit '${word}'; use ns, us, ms, s or m`, unitStart);
      unit = u as TimeUnit;
    }
    if (this.peek() === '%') this.fail("'%' is only for --max-regression; write the number alone");
    return { type: 'quantity', value, unit, text: this.s.slice(start, this.i) };
  }

  private name(): string {
    const start = this.i;
    if (!NAME_START.test(this.peek())) this.fail(this.peek() ? `expected a name, got '${this.peek()}'` : 'expected a name at the end');
    while (this.i < this.s.length && NAME_CHAR.test(this.peek())) this.i++;
    return this.s.slice(start, this.i);
  }

  private metric(): MetricRef {
    const start = this.i;
    const path = [this.name()];
    while (this.peek() === '.') {
      this.i++;
      path.push(this.name());
    }
    const labels: Label[] = [];
    if (this.peek() === '{') {
      this.i++;
      this.ws();
      if (this.peek() === '}') this.i++;
      else {
        for (;;) {
          labels.push(this.label());
          this.ws();
          const c = this.peek();
          this.i++;
          if (c === '}') break;
          if (c !== ',') this.fail(c ? `expected ',' or '}' in labels, got '${c}'` : "unclosed '{': expected '}'", this.i - 1);
          this.ws();
        }
      }
    }
    let rate = false;
    if (this.peek() === '/') {
      const at = this.i;
      this.i++;
      if (this.peek() !== 's' || NAME_CHAR.test(this.peek(1))) this.fail("only '/s' (per second) may follow a metric", at);
      this.i++;
      rate = true;
    }
    return { type: 'metric', path, labels, rate, text: this.s.slice(start, this.i) };
  }

  private label(): Label {
    // a bare selector: `counter{ListenOverflows}`, `counter{TcpExt.ListenOverflows}`
    const start = this.i;
    while (this.i < this.s.length && LABEL_VALUE_CHAR.test(this.peek())) this.i++;
    const bare = this.s.slice(start, this.i);
    this.ws();
    if (bare && (this.peek() === '}' || this.peek() === ',')) return { name: '', op: '=', value: bare };
    this.i = start;
    const name = this.name();
    this.ws();
    let op: Label['op'];
    if (this.s.startsWith('!=', this.i)) {
      op = '!=';
      this.i += 2;
    } else if (this.peek() === '=') {
      op = '=';
      this.i += this.peek(1) === '=' ? 2 : 1;
    } else this.fail(`expected '=' or '!=' after label '${name}'`);
    this.ws();
    let value = '';
    if (this.peek() === '"') {
      const at = this.i++;
      while (this.i < this.s.length && this.peek() !== '"') {
        if (this.peek() === '\\' && this.i + 1 < this.s.length) this.i++;
        value += this.s[this.i++];
      }
      if (this.peek() !== '"') this.fail('unterminated string', at);
      this.i++;
    } else {
      while (this.i < this.s.length && LABEL_VALUE_CHAR.test(this.peek())) value += this.s[this.i++];
      if (!value) this.fail(`expected a value for label '${name}'`);
    }
    return { name, op, value };
  }
}

/** Parse one assertion; throws AssertionSyntaxError with the column of the problem. */
export function parseAssertion(source: string): Assertion {
  return new Parser(source).parse();
}
