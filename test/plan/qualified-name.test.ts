import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQualifiedName } from '../../src/plan/coerce.js';

test('regclass names: folded unless quoted, qualified by dots, malformed ones rejected', () => {
  assert.deepEqual(parseQualifiedName('Items'), ['items']);
  assert.deepEqual(parseQualifiedName(' public.T '), ['public', 't']);
  assert.deepEqual(parseQualifiedName('s."My ""T"""'), ['s', 'My "T"']);
  assert.deepEqual(parseQualifiedName('materialize.public.t'), ['materialize', 'public', 't']);
  for (const bad of ['', 'a.', '.a', 'a b', '"open', '""', 'a."b"c']) assert.equal(parseQualifiedName(bad), null, bad);
});
