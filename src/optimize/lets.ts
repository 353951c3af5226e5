// Let bindings used once (or bound to something trivial) are substituted at
// their use, which lets the other rewrites see through them; unused ones go.
import type { RelExpr } from '../plan/mir.js';
import { children } from '../plan/visit.js';

function countUses(rel: RelExpr, name: string): number {
  if (rel.op === 'getLocal') return rel.name === name ? 1 : 0;
  return children(rel).reduce((n, c) => n + countUses(c, name), 0);
}

function replaceUses(rel: RelExpr, name: string, value: RelExpr): RelExpr {
  switch (rel.op) {
    case 'getLocal':
      return rel.name === name ? value : rel;
    case 'get':
    case 'constant':
      return rel;
    case 'let':
      return { ...rel, value: replaceUses(rel.value, name, value), body: replaceUses(rel.body, name, value) };
    case 'join':
    case 'union':
      return { ...rel, inputs: rel.inputs.map((i) => replaceUses(i, name, value)) };
    default:
      return { ...rel, input: replaceUses(rel.input, name, value) };
  }
}

function trivial(rel: RelExpr): boolean {
  return rel.op === 'get' || rel.op === 'getLocal' || (rel.op === 'constant' && rel.rows.length <= 1);
}

export function inlineLets(rel: RelExpr): RelExpr {
  switch (rel.op) {
    case 'let': {
      const value = inlineLets(rel.value);
      const body = inlineLets(rel.body);
      const uses = countUses(body, rel.name);
      if (uses === 0) return body;
      if (uses === 1 || trivial(value)) return replaceUses(body, rel.name, value);
      return { ...rel, value, body };
    }
    case 'get':
    case 'getLocal':
    case 'constant':
      return rel;
    case 'join':
    case 'union':
      return { ...rel, inputs: rel.inputs.map(inlineLets) };
    default:
      return { ...rel, input: inlineLets(rel.input) };
  }
}
