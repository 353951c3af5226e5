// Generic `NAME [=] value` options, as written in connector option lists
// (`BROKER 'h:9092'`, `SASL PASSWORD = SECRET pw`, `START OFFSET (0, 10)`)
// and WITH (...) lists (`SNAPSHOT = false`, `PROGRESS`).
import type { OptionValue, SqlOption } from './ast.js';
import { QueryParser } from './query.js';

/** Options whose bare-word value names a catalog object rather than being a keyword. */
const OBJECT_OPTIONS = new Set(['SSH TUNNEL', 'AWS CONNECTION', 'AWS PRIVATELINK']);

/**
 * Option names that may be followed by a bare-word value without '='
 * (`FORMAT csv`, `SSH TUNNEL t`): the words after such a name are its value.
 */
const NAMES_TAKING_BARE_WORDS = new Set([
  'FORMAT', 'SECURITY PROTOCOL', 'SASL MECHANISMS', 'SSH TUNNEL', 'AWS CONNECTION', 'AWS PRIVATELINK',
  'ISOLATION LEVEL', 'ASSERT NOT NULL',
]);

/** Options whose parenthesized value is a sequence of numbers rather than a list of choices. */
const SEQUENCE_OPTIONS = new Set(['START OFFSET']);

/** Words that begin a value and so end an option name. */
const VALUE_WORDS = new Set(['secret', 'true', 'false', 'null']);

export class OptionParser extends QueryParser {
  /** `( option, ... )`; an empty list `()` is allowed. */
  protected parseOptionList(): SqlOption[] {
    this.expectPunct('(');
    if (this.eatPunct(')')) return [];
    const options = this.commaList(() => this.parseOption());
    this.expectPunct(')');
    return options;
  }

  /** `WITH (option, ...)` if present, else []. */
  protected parseWithOptions(): SqlOption[] {
    if (this.isWord('with') && this.isPunct('(', 1)) {
      this.next();
      return this.parseOptionList();
    }
    return [];
  }

  protected parseOption(): SqlOption {
    const pos = this.peek().start;
    const words: string[] = [];
    // The first word is always part of the name (COPY's NULL 'x' option); later ones may
    // start the value, except NULL after NOT (ASSERT NOT NULL = col).
    // SASL CLIENT SECRET = SECRET s: a value word right before `=` ends the name instead.
    const continuesName = () =>
      words.length === 0 ||
      !VALUE_WORDS.has(this.peek().value) ||
      (this.isWord('null') && words[words.length - 1] === 'NOT') ||
      this.isOp('=', 1);
    while (this.peek().kind === 'word' && continuesName()) {
      // RETAIN HISTORY FOR '1d': FOR introduces the value
      if (this.isWord('for') && words.length > 0 && this.peek(1).kind === 'string') break;
      words.push(this.next().value.toUpperCase());
    }
    if (words.length === 0) throw this.syntaxError();
    // `FORMAT csv`, `SECURITY PROTOCOL SASL_SSL`: split a known name from its bare-word value.
    if (!this.isOp('=')) {
      for (let n = words.length - 1; n >= 1; n--) {
        const name = words.slice(0, n).join(' ');
        if (NAMES_TAKING_BARE_WORDS.has(name)) {
          const valueStart = this.index - (words.length - n);
          this.index = valueStart;
          return { name, value: this.parseOptionValue(name), pos };
        }
      }
    }
    const name = words.join(' ');
    const hasEquals = this.eatOp('=');
    if (!hasEquals && (this.isPunct(',') || this.isPunct(')'))) return { name, pos };
    return { name, value: this.parseOptionValue(name), pos };
  }

  protected parseOptionValue(optionName: string): OptionValue {
    const t = this.peek();
    if (this.eatWords('secret')) return { kind: 'secret', name: this.parseObjectName() };
    if (t.kind === 'punct' && (t.value === '(' || t.value === '[')) {
      const close = t.value === '(' ? ')' : ']';
      this.next();
      const items: OptionValue[] = [];
      if (!this.isPunct(close)) {
        do items.push(this.parseOptionValue(optionName));
        while (this.eatPunct(','));
      }
      this.expectPunct(close);
      return SEQUENCE_OPTIONS.has(optionName) ? { kind: 'sequence', items } : { kind: 'list', items };
    }
    // RETAIN HISTORY = FOR '1d'
    if (this.isWord('for') && this.peek(1).kind === 'string') {
      this.next();
      return { kind: 'value', expr: this.parseExpr() };
    }
    const startsExpr = this.isPunct('(', 1) || this.peek(1).kind === 'string'; // f(x), INTERVAL '1s'
    if ((t.kind === 'word' && !VALUE_WORDS.has(t.value) && !startsExpr) || t.kind === 'quotedIdent') {
      const name = this.parseObjectNameAllowingKeywords();
      if (OBJECT_OPTIONS.has(optionName) || name.parts.length > 1) return { kind: 'object', name };
      return { kind: 'ident', name: name.parts[0] };
    }
    return { kind: 'value', expr: this.parseExpr() };
  }

  /** A name where keywords are allowed (option values like `on`, `off`, `default`). */
  private parseObjectNameAllowingKeywords() {
    const pos = this.peek().start;
    const parts = [this.parseAnyIdent()];
    while (this.eatPunct('.')) parts.push(this.parseAnyIdent());
    return { parts, pos };
  }
}
