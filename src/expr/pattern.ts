// LIKE / ILIKE and POSIX regular expressions (~, ~*, regexp_*), compiled to
// JS RegExps. Each evaluator remembers the last pattern it compiled, so a
// literal pattern (the common case) is compiled once per plan, not per row.
import type { Datum } from '../repr/types.js';
import { ArrayValue } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { define, type Evaluator } from './registry.js';
import { TEXT, BOOL, TEXT_ARRAY } from './signatures.js';
import { invalidParameter } from './errors.js';

function escapeRegExp(c: string): string {
  // Only syntax characters: the 'u' flag rejects identity escapes such as \-.
  return c.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** Translates a LIKE pattern into an anchored RegExp; `escape` '' disables escaping. */
export function likeToRegExp(pattern: string, caseInsensitive: boolean, escape = '\\'): RegExp {
  if ([...escape].length > 1) {
    throw new SqlError(SqlState.invalidEscapeCharacter, 'invalid escape string', { hint: 'Escape string must be empty or one character.' });
  }
  let source = '^';
  const cs = Array.from(pattern);
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i]!;
    if (escape !== '' && c === escape) {
      const next = cs[++i];
      if (next === undefined) throw new SqlError('22025', 'LIKE pattern must not end with escape character');
      source += escapeRegExp(next);
    } else if (c === '%') source += '.*';
    else if (c === '_') source += '.';
    else source += escapeRegExp(c);
  }
  return new RegExp(source + '$', caseInsensitive ? 'isu' : 'su');
}

/** A matcher that recompiles only when the pattern changes between calls. */
function cachedCompiler<K>(compile: (key: K) => RegExp): (key: K) => RegExp {
  let lastKey: K | undefined;
  let last: RegExp | undefined;
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

export function compileRegex(pattern: string, flags: string): RegExp {
  const source = translateRegex(pattern);
  try {
    return new RegExp(source, flags + 'su');
  } catch {
    try {
      return new RegExp(source, flags + 's');
    } catch (err) {
      throw new SqlError(SqlState.invalidRegularExpression, `invalid regular expression: ${(err as Error).message}`);
    }
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

function withFlags(allowGlobal: boolean): (a: Datum[]) => { re: RegExp; global: boolean } {
  let lastPattern: string | undefined;
  let lastFlags: string | undefined;
  let last: { re: RegExp; global: boolean } | undefined;
  return (a) => {
    const pattern = a[1] as string;
    const flags = (a[a.length === 4 || (a.length === 3 && !allowGlobal) ? a.length - 1 : -1] as string | undefined) ?? '';
    if (!last || pattern !== lastPattern || flags !== lastFlags) {
      const f = parseFlags(flags, allowGlobal);
      last = { re: compileRegex(pattern, f.js + (f.global ? 'g' : '')), global: f.global };
      lastPattern = pattern;
      lastFlags = flags;
    }
    return last;
  };
}

function matchToArray(m: RegExpExecArray): ArrayValue {
  const groups: Datum[] = m.length > 1 ? m.slice(1).map((g) => g ?? null) : [m[0]];
  return new ArrayValue(groups, [groups.length]);
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
        const { re } = get(a);
        re.lastIndex = 0;
        const m = re.exec(a[0] as string);
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
export function regexpSplit(s: string, re: RegExp): string[] {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  const out: string[] = [];
  let start = 0;
  let searchFrom = 0;
  while (searchFrom <= s.length) {
    g.lastIndex = searchFrom;
    const m = g.exec(s);
    if (!m) break;
    const end = m.index + m[0].length;
    if (m[0] === '' && (m.index === start || m.index >= s.length)) {
      searchFrom = m.index + 1;
      continue;
    }
    out.push(s.slice(start, m.index));
    start = end;
    searchFrom = end === m.index ? end + 1 : end;
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
        let done = false;
        re.lastIndex = 0;
        return (a[0] as string).replace(re, (m: string, ...rest: unknown[]) => {
          if (done && !global) return m;
          done = true;
          const groups = rest.slice(0, -2).map((g) => (typeof g === 'string' ? g : undefined));
          return replace(m, groups);
        });
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
      return m.length > 1 ? (m[1] ?? null) : m[0];
    };
  },
});
