// LIKE / ILIKE and POSIX regular expressions (~, ~*, regexp_*). Regular
// expressions run on re2js (RE2's automata: time linear in the input, as
// PostgreSQL's and Materialize's engines; no backtracking blow-up such as
// '(x+x+)+y'), see docs/dependencies.md. LIKE patterns with at most one '%'
// (linear for a backtracking engine too) use V8's faster RegExp; others RE2.
// Each evaluator remembers the last pattern it compiled, so a literal pattern
// (the common case) is compiled once per plan, not per row.
import type { Datum } from '../repr/types.js';
import { ArrayValue } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { define, type Evaluator } from './registry.js';
import { TEXT, BOOL, TEXT_ARRAY } from './signatures.js';
import { invalidParameter } from './errors.js';
import { RE2JS } from 're2js';

/** One match: where it starts and ends (UTF-16 offsets), its text and its capture groups (undefined when a group did not take part). */
export interface RegexMatch {
  index: number;
  end: number;
  match: string;
  groups: Array<string | undefined>;
}

/** A compiled pattern that matches in time linear in its input (RE2), or a V8 RegExp known to be linear. */
export class LinearRegex {
  constructor(
    private readonly re2: RE2JS | undefined,
    private readonly js?: RegExp,
  ) {}

  static fromRegExp(js: RegExp): LinearRegex {
    return new LinearRegex(undefined, js);
  }

  test(s: string): boolean {
    if (this.js !== undefined) {
      this.js.lastIndex = 0;
      return this.js.test(s);
    }
    return this.re2!.test(s);
  }

  /** The first match starting at or after `from`, or null. */
  exec(s: string, from = 0): RegexMatch | null {
    if (this.js !== undefined) {
      const g = new RegExp(this.js.source, this.js.flags.includes('g') ? this.js.flags : this.js.flags + 'g');
      g.lastIndex = from;
      const m = g.exec(s);
      if (!m) return null;
      return { index: m.index, end: m.index + m[0].length, match: m[0], groups: m.slice(1).map((x) => x ?? undefined) };
    }
    const m = this.re2!.matcher(s);
    if (!m.find(from)) return null;
    const groups: Array<string | undefined> = [];
    for (let i = 1; i <= m.groupCount(); i++) groups.push(m.group(i) ?? undefined);
    return { index: m.start(0), end: m.end(0), match: m.group(0) ?? '', groups };
  }
}

/** Where to look for the next match after `m` (one character further after an empty match). */
function nextSearchFrom(s: string, m: RegexMatch): number {
  if (m.end !== m.index) return m.end;
  const code = s.charCodeAt(m.end);
  return m.end + (code >= 0xd800 && code <= 0xdbff ? 2 : 1);
}

function escapeRegExp(c: string): string {
  // Only syntax characters: the 'u' flag rejects identity escapes such as \-.
  return c.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** Translates a LIKE pattern into an anchored pattern; `escape` '' disables escaping. */
export function likeToRegExp(pattern: string, caseInsensitive: boolean, escape = '\\'): LinearRegex {
  if ([...escape].length > 1) {
    throw new SqlError(SqlState.invalidEscapeCharacter, 'invalid escape string', { hint: 'Escape string must be empty or one character.' });
  }
  let source = '^';
  let wildcards = 0;
  const cs = Array.from(pattern);
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i]!;
    if (escape !== '' && c === escape) {
      const next = cs[++i];
      if (next === undefined) throw new SqlError('22025', 'LIKE pattern must not end with escape character');
      source += escapeRegExp(next);
    } else if (c === '%') {
      source += '.*';
      wildcards++;
    } else if (c === '_') source += '.';
    else source += escapeRegExp(c);
  }
  source += '$';
  // One '.*' between anchors backtracks at most linearly; more could be polynomial.
  if (wildcards <= 1) return LinearRegex.fromRegExp(new RegExp(source, caseInsensitive ? 'isu' : 'su'));
  return new LinearRegex(RE2JS.compile(source, RE2JS.DOTALL | (caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0)));
}

/** A matcher that recompiles only when the pattern changes between calls. */
function cachedCompiler<K>(compile: (key: K) => LinearRegex): (key: K) => LinearRegex {
  let lastKey: K | undefined;
  let last: LinearRegex | undefined;
  return (key) => {
    if (last === undefined || key !== lastKey) {
      last = compile(key);
      lastKey = key;
    }
    return last;
  };
}

function likeEvaluator(caseInsensitive: boolean, negated: boolean, withEscape: boolean): Evaluator {
  if (withEscape) {
    let lastEscape: string | undefined;
    let compile = cachedCompiler((p: string) => likeToRegExp(p, caseInsensitive, lastEscape));
    return (a) => {
      const escape = a[2] as string;
      if (escape !== lastEscape) {
        lastEscape = escape;
        compile = cachedCompiler((p: string) => likeToRegExp(p, caseInsensitive, escape));
      }
      return compile(a[1] as string).test(a[0] as string) !== negated;
    };
  }
  const compile = cachedCompiler((p: string) => likeToRegExp(p, caseInsensitive));
  return (a) => compile(a[1] as string).test(a[0] as string) !== negated;
}

for (const [name, ci] of [
  ['like', false],
  ['ilike', true],
] as const) {
  define(name, { name, params: [TEXT, TEXT], returns: BOOL, build: () => likeEvaluator(ci, false, false) });
  define(name, { name, params: [TEXT, TEXT, TEXT], returns: BOOL, build: () => likeEvaluator(ci, false, true) });
  define(`not_${name}`, { name: `not_${name}`, params: [TEXT, TEXT], returns: BOOL, build: () => likeEvaluator(ci, true, false) });
  define(`not_${name}`, { name: `not_${name}`, params: [TEXT, TEXT, TEXT], returns: BOOL, build: () => likeEvaluator(ci, true, true) });
}
define('op ~~', { name: 'like', params: [TEXT, TEXT], returns: BOOL, build: () => likeEvaluator(false, false, false) });
define('op ~~*', { name: 'ilike', params: [TEXT, TEXT], returns: BOOL, build: () => likeEvaluator(true, false, false) });
define('op !~~', { name: 'not_like', params: [TEXT, TEXT], returns: BOOL, build: () => likeEvaluator(false, true, false) });
define('op !~~*', { name: 'not_ilike', params: [TEXT, TEXT], returns: BOOL, build: () => likeEvaluator(true, true, false) });

// ---- POSIX regular expressions ----

const CLASS_NAMES: Record<string, string> = {
  alpha: '\\p{L}',
  digit: '0-9',
  alnum: '\\p{L}\\p{N}',
  upper: '\\p{Lu}',
  lower: '\\p{Ll}',
  space: '\\s',
  punct: '\\p{P}',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  blank: ' \\t',
  cntrl: '\\p{Cc}',
  print: '\\P{Cc}',
  graph: '\\p{L}\\p{N}\\p{P}\\p{S}',
};

/** PostgreSQL ARE syntax to JS: [[:class:]], \m \M \y word boundaries. */
function translateRegex(pattern: string): string {
  return pattern
    .replace(/\[:([a-z]+):\]/g, (m, name: string) => CLASS_NAMES[name] ?? m)
    .replace(/\\[mMy]/g, '\\b');
}

/**
 * Compiles a POSIX (ARE) pattern for RE2. `flags`: 'i' case-insensitive,
 * 'm' newline-sensitive (PostgreSQL's 'n': '.' stops at newlines, ^ and $
 * match at them); otherwise '.' matches newlines, as in PostgreSQL. RE2
 * has no back-references or lookaround (as Materialize's engine): such a
 * pattern is an invalid regular expression (2201B).
 */
/** Longest pattern compiled (Materialize's limit): a larger one would hold the event loop for minutes. */
const MAX_REGEX_BYTES = 1 << 20;

export function compileRegex(pattern: string, flags: string): LinearRegex {
  const bytes = Buffer.byteLength(pattern, 'utf8');
  if (bytes > MAX_REGEX_BYTES) {
    throw new SqlError(SqlState.invalidRegularExpression, `invalid regular expression: regex pattern too large (${bytes} bytes, max ${MAX_REGEX_BYTES} bytes)`);
  }
  const source = translateRegex(pattern);
  let re2Flags = flags.includes('m') ? RE2JS.MULTILINE : RE2JS.DOTALL;
  if (flags.includes('i')) re2Flags |= RE2JS.CASE_INSENSITIVE;
  try {
    return new LinearRegex(RE2JS.compile(source, re2Flags));
  } catch (err) {
    throw new SqlError(SqlState.invalidRegularExpression, `invalid regular expression: ${(err as Error).message}`);
  }
}

/** Parses regexp_* flags into JS flags; `global` says whether 'g' was given. */
function parseFlags(flags: string, allowGlobal: boolean): { js: string; global: boolean } {
  let js = '';
  let global = false;
  for (const f of flags) {
    if (f === 'g' && allowGlobal) global = true;
    else if (f === 'i') js = js.includes('i') ? js : js + 'i';
    else if (f === 'c') js = js.replace('i', '');
    else if (f === 'n' || f === 'm') js = js.includes('m') ? js : js + 'm';
    else throw invalidParameter(`invalid regular expression option: "${f}"`);
  }
  return { js, global };
}

function regexMatchEvaluator(caseInsensitive: boolean, negated: boolean): Evaluator {
  const compile = cachedCompiler((p: string) => compileRegex(p, caseInsensitive ? 'i' : ''));
  return (a) => compile(a[1] as string).test(a[0] as string) !== negated;
}
define('op ~', { name: 'regex_match', params: [TEXT, TEXT], returns: BOOL, build: () => regexMatchEvaluator(false, false) });
define('op ~*', { name: 'regex_imatch', params: [TEXT, TEXT], returns: BOOL, build: () => regexMatchEvaluator(true, false) });
define('op !~', { name: 'regex_not_match', params: [TEXT, TEXT], returns: BOOL, build: () => regexMatchEvaluator(false, true) });
define('op !~*', { name: 'regex_not_imatch', params: [TEXT, TEXT], returns: BOOL, build: () => regexMatchEvaluator(true, true) });

function withFlags(allowGlobal: boolean): (a: Datum[]) => { re: LinearRegex; global: boolean } {
  let lastPattern: string | undefined;
  let lastFlags: string | undefined;
  let last: { re: LinearRegex; global: boolean } | undefined;
  return (a) => {
    const pattern = a[1] as string;
    const flags = (a[a.length === 4 || (a.length === 3 && !allowGlobal) ? a.length - 1 : -1] as string | undefined) ?? '';
    if (!last || pattern !== lastPattern || flags !== lastFlags) {
      const f = parseFlags(flags, allowGlobal);
      last = { re: compileRegex(pattern, f.js), global: f.global };
      lastPattern = pattern;
      lastFlags = flags;
    }
    return last;
  };
}

export function matchToArray(m: RegexMatch): ArrayValue {
  const groups: Datum[] = m.groups.length > 0 ? m.groups.map((g) => g ?? null) : [m.match];
  return new ArrayValue(groups, [groups.length]);
}

/** Every match, left to right (empty matches advance one character), or only the first. */
export function* regexMatches(s: string, re: LinearRegex, global: boolean): Generator<RegexMatch> {
  let from = 0;
  while (from <= s.length) {
    const m = re.exec(s, from);
    if (!m) return;
    yield m;
    if (!global) return;
    from = nextSearchFrom(s, m);
  }
}

for (const params of [
  [TEXT, TEXT],
  [TEXT, TEXT, TEXT],
]) {
  define('regexp_match', {
    name: 'regexp_match',
    params,
    returns: TEXT_ARRAY,
    build: () => {
      const get = withFlags(false);
      return (a) => {
        const m = get(a).re.exec(a[0] as string);
        return m ? matchToArray(m) : null;
      };
    },
  });
  define('regexp_split_to_array', {
    name: 'regexp_split_to_array',
    params,
    returns: TEXT_ARRAY,
    build: () => {
      const get = withFlags(false);
      return (a) => {
        const parts = regexpSplit(a[0] as string, get(a).re);
        return new ArrayValue(parts, [parts.length]);
      };
    },
  });
}

/**
 * PostgreSQL's split: zero-length matches at the start or end of the string,
 * or right after the previous match, do not split.
 */
export function regexpSplit(s: string, re: LinearRegex): string[] {
  const out: string[] = [];
  let start = 0;
  let searchFrom = 0;
  while (searchFrom <= s.length) {
    const m = re.exec(s, searchFrom);
    if (!m) break;
    const end = m.end;
    if (m.match === '' && (m.index === start || m.index >= s.length)) {
      searchFrom = nextSearchFrom(s, m);
      continue;
    }
    out.push(s.slice(start, m.index));
    start = end;
    searchFrom = nextSearchFrom(s, m);
  }
  out.push(s.slice(start));
  return out;
}

/** PostgreSQL replacement syntax (\1, \&, \\) to a function of the match. */
function replacementFor(replacement: string): (m: string, groups: Array<string | undefined>) => string {
  return (m, groups) =>
    replacement.replace(/\\(\d|&|\\)/g, (_x, c: string) => {
      if (c === '&') return m;
      if (c === '\\') return '\\';
      return groups[Number(c) - 1] ?? (c === '0' ? m : '');
    });
}

for (const params of [
  [TEXT, TEXT, TEXT],
  [TEXT, TEXT, TEXT, TEXT],
]) {
  define('regexp_replace', {
    name: 'regexp_replace',
    params,
    returns: TEXT,
    build: () => {
      const get = withFlags(true);
      return (a) => {
        const { re, global } = get(a);
        const replace = replacementFor(a[2] as string);
        const s = a[0] as string;
        let out = '';
        let last = 0;
        for (const m of regexMatches(s, re, global)) {
          out += s.slice(last, m.index) + replace(m.match, m.groups);
          last = m.end;
        }
        return last === 0 && out === '' ? s : out + s.slice(last);
      };
    },
  });
}

/** substring(text FROM pattern): the first capture group if any, else the whole match. */
define('substring', {
  name: 'substring_regex',
  params: [TEXT, TEXT],
  returns: TEXT,
  build: () => {
    const compile = cachedCompiler((p: string) => compileRegex(p, ''));
    return (a) => {
      const m = compile(a[1] as string).exec(a[0] as string);
      if (!m) return null;
      return m.groups.length > 0 ? (m.groups[0] ?? null) : m.match;
    };
  },
});
