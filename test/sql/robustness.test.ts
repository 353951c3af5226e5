// Parser robustness: mangled versions of valid statements (tokens dropped,
// duplicated, swapped, text cut short) either parse or fail with a SqlError
// carrying a position inside the input — never another exception, never a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../src/sql/parser.js';
import { tokenize } from '../../src/sql/lexer.js';
import { SqlError } from '../../src/repr/errors.js';

const SEEDS = [
  "SELECT DISTINCT ON (a) a, count(*) FILTER (WHERE b > 1) OVER (PARTITION BY c ORDER BY d ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t LEFT JOIN u USING (a) WHERE x IN (SELECT 1) GROUP BY a HAVING sum(b) > 2 ORDER BY 1 DESC NULLS LAST LIMIT 10 OFFSET 2",
  "WITH RECURSIVE c (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT CASE WHEN n > 1 THEN 'a' ELSE 'b' END, ARRAY[1, 2][1], LIST[1], MAP['a' => 1], ROW(1, 2), (x).f, a::numeric(10, 2), INTERVAL '1' DAY FROM c",
  "INSERT INTO t (a, b) VALUES (1, DEFAULT), (2, 'x') RETURNING *",
  "UPDATE t SET a = a + 1, b = DEFAULT WHERE c IS NOT DISTINCT FROM d",
  "CREATE TABLE IF NOT EXISTS t (a int NOT NULL DEFAULT 1, b text list, c map[text=>int], PRIMARY KEY (a))",
  "CREATE CONNECTION c TO KAFKA (BROKER 'h:9092', SASL PASSWORD = SECRET pw, START OFFSET (0, 1)) WITH (VALIDATE = false)",
  "CREATE SOURCE s IN CLUSTER c FROM KAFKA CONNECTION k (TOPIC 't') KEY FORMAT TEXT VALUE FORMAT CSV WITH HEADER (a, b) INCLUDE KEY AS k, HEADER 'h' AS h BYTES ENVELOPE UPSERT (VALUE DECODING ERRORS = INLINE AS e)",
  "SUBSCRIBE (SELECT * FROM t) ENVELOPE UPSERT (KEY (a)) WITH (PROGRESS) AS OF 5 UP TO 10",
  "SET search_path = a, b; SHOW INDEXES ON t; EXPLAIN PLAN FOR SELECT 1; COPY t FROM STDIN WITH (FORMAT csv)",
  "SELECT E'a\\n', $$b$$, X'1F', -1.5e3, $1, a->>'k' @> b, c ~* d, e AT TIME ZONE 'UTC' COLLATE \"C\" /* c */ -- d",
];

/** Deterministic pseudo-random numbers (a linear congruential generator). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

function mangle(sql: string, random: () => number): string {
  const tokens = tokenize(sql).filter((t) => t.kind !== 'eof');
  const pieces = tokens.map((t) => sql.slice(t.start, t.end));
  const pick = () => Math.floor(random() * pieces.length);
  switch (Math.floor(random() * 5)) {
    case 0:
      pieces.splice(pick(), 1);
      break;
    case 1: {
      const i = pick();
      pieces.splice(i, 0, pieces[pick()]);
      break;
    }
    case 2: {
      const i = pick();
      const j = pick();
      [pieces[i], pieces[j]] = [pieces[j], pieces[i]];
      break;
    }
    case 3:
      pieces.length = pick();
      break;
    default:
      return sql.slice(0, Math.floor(random() * sql.length));
  }
  return pieces.join(' ');
}

test('mangled statements parse or fail with a positioned SqlError', () => {
  const random = lcg(20261125);
  let failures = 0;
  for (let round = 0; round < 300; round++) {
    for (const seed of SEEDS) {
      const sql = mangle(seed, random);
      try {
        parse(sql);
      } catch (error) {
        failures++;
        assert.ok(error instanceof SqlError, `non-SqlError for ${sql}: ${String(error)}`);
        assert.ok(error.position !== undefined && error.position >= 1 && error.position <= sql.length + 1, `position for ${sql}`);
      }
    }
  }
  assert.ok(failures > 0);
});

test('every seed statement parses unmangled', () => {
  for (const seed of SEEDS) assert.ok(parse(seed).length >= 1, seed);
});
