// EXPLAIN text: one operator per line, children indented by two spaces,
// columns as #n and functions by name, in the style of Materialize.
import type { Datum, SqlType } from '../repr/types.js';
import { ArrayValue, Jsonb, ListValue, MapValue, RecordValue } from '../repr/types.js';
import type { AggregateExpr, ColumnOrder, GlobalId, RelExpr, ScalarExpr, ScalarFunc } from './mir.js';
import { AND, IS_FALSE, IS_NULL, IS_TRUE, NOT, OR } from './builtins.js';

function datumText(value: Datum): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${value.replace(/"/g, '\\"')}"`;
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (value instanceof ArrayValue || value instanceof ListValue) return `[${value.elements.map(datumText).join(', ')}]`;
  if (value instanceof RecordValue) return `(${value.fields.map(datumText).join(', ')})`;
  if (value instanceof MapValue) return `{${value.entries.map(([k, v]) => `${k} => ${datumText(v)}`).join(', ')}}`;
  if (value instanceof Jsonb) return JSON.stringify(value.value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? 'null';
  if (typeof value === 'object' && 'months' in value) return `${value.months} months ${value.days} days ${value.micros} us`;
  return String(value);
}

function typeText(type: SqlType): string {
  switch (type.kind) {
    case 'array':
      return `${typeText(type.element)}[]`;
    case 'list':
      return `${typeText(type.element)} list`;
    case 'map':
      return `map[text=>${typeText(type.value)}]`;
    case 'record':
      return `record(${type.fields.map((f) => `${f.name}: ${typeText(f.type)}`).join(', ')})`;
    default:
      return type.kind;
  }
}

/** Functions the planner resolved from an operator, shown infix as Materialize does: (#0 > 1). */
export const operatorSymbols = new WeakMap<ScalarFunc, string>();

function callText(expr: Extract<ScalarExpr, { kind: 'call' }>): string {
  const args = expr.args.map(scalarText);
  const symbol = operatorSymbols.get(expr.func);
  if (symbol !== undefined && args.length === 2) return `(${args[0]} ${symbol} ${args[1]})`;
  if (symbol !== undefined && args.length === 1) return `(${symbol}${args[0]})`;
  switch (expr.func) {
    case AND:
      return `(${args.join(' AND ')})`;
    case OR:
      return `(${args.join(' OR ')})`;
    case NOT: {
      const inner = expr.args[0]!;
      if (inner.kind === 'call' && inner.func === IS_NULL) return `(${scalarText(inner.args[0]!)}) IS NOT NULL`;
      return `NOT(${args[0]})`;
    }
    case IS_NULL:
      return `(${args[0]}) IS NULL`;
    case IS_TRUE:
      return `(${args[0]}) IS TRUE`;
    case IS_FALSE:
      return `(${args[0]}) IS FALSE`;
    default:
      return `${expr.func.name}(${args.join(', ')})`;
  }
}

export function scalarText(expr: ScalarExpr): string {
  switch (expr.kind) {
    case 'column':
      return `#${expr.index}`;
    case 'literal':
      return expr.value === null ? `null::${typeText(expr.type)}` : datumText(expr.value);
    case 'parameter':
      return `$${expr.index}`;
    case 'call':
      return callText(expr);
    case 'if':
      return `case when ${scalarText(expr.cond)} then ${scalarText(expr.then)} else ${scalarText(expr.else)} end`;
    case 'mzNow':
      return 'mz_now()';
  }
}

function orderText(order: ColumnOrder[]): string {
  return order.map((o) => `#${o.column}${o.desc ? ' desc' : ' asc'}${o.nullsFirst ? ' nulls_first' : ' nulls_last'}`).join(', ');
}

function aggregateText(agg: AggregateExpr): string {
  const args = agg.args.map(scalarText).join(', ');
  const order = agg.orderBy.length > 0 ? ` order_by=[${agg.orderBy.map((o) => `${scalarText(o.expr)}${o.desc ? ' desc' : ''}`).join(', ')}]` : '';
  const filter = agg.filter ? ` filter=(${scalarText(agg.filter)})` : '';
  return `${agg.func}(${agg.distinct ? 'distinct ' : ''}${args})${order}${filter}`;
}

/** The lines being written, and how a global id is named (its id when not given or unknown). */
interface ExplainOutput {
  lines: string[];
  nameOf?: (id: GlobalId) => string | undefined;
}

function nodeLines(rel: RelExpr, depth: number, out: ExplainOutput): void {
  const pad = '  '.repeat(depth);
  const line = (text: string) => out.lines.push(pad + text);
  switch (rel.op) {
    case 'get':
      line(`Get ${out.nameOf?.(rel.id) ?? rel.id}`);
      return;
    case 'getLocal':
      line(`Get ${rel.name}`);
      return;
    case 'let':
      line('With');
      out.lines.push(`${pad}  cte ${rel.name} =`);
      nodeLines(rel.value, depth + 2, out);
      line('Return');
      nodeLines(rel.body, depth + 1, out);
      return;
    case 'constant':
      if (rel.rows.length === 0) {
        line('Constant <empty>');
        return;
      }
      line('Constant');
      for (const [row, diff] of rel.rows) out.lines.push(`${pad}  - (${row.map(datumText).join(', ')})${diff === 1 ? '' : ` x ${diff}`}`);
      return;
    case 'map':
      line(`Map (${rel.scalars.map(scalarText).join(', ')})`);
      break;
    case 'filter':
      line(`Filter ${rel.predicates.map(scalarText).join(' AND ')}`);
      break;
    case 'project':
      line(`Project (${rel.outputs.map((o) => `#${o}`).join(', ')})`);
      break;
    case 'flatMap':
      line(`FlatMap ${rel.func.name}(${rel.args.map(scalarText).join(', ')})`);
      break;
    case 'join': {
      const eq = rel.equivalences.map((cls) => `(${cls.map(scalarText).join(', ')})`).join(' ');
      line(rel.equivalences.length > 0 ? `Join on=(${eq})` : 'CrossJoin');
      for (const input of rel.inputs) nodeLines(input, depth + 1, out);
      return;
    }
    case 'reduce': {
      const keys = rel.groupKey.length > 0 ? `group_by=[${rel.groupKey.map(scalarText).join(', ')}] ` : '';
      line(`Reduce ${keys}aggregates=[${rel.aggregates.map(aggregateText).join(', ')}]`);
      break;
    }
    case 'distinct':
      line('Distinct');
      break;
    case 'topK': {
      const parts = [
        rel.groupKey.length > 0 ? `group_by=[${rel.groupKey.map((k) => `#${k}`).join(', ')}]` : '',
        rel.order.length > 0 ? `order_by=[${orderText(rel.order)}]` : '',
        rel.limit !== undefined ? `limit=${rel.limit}` : '',
        rel.offset > 0 ? `offset=${rel.offset}` : '',
      ].filter((p) => p !== '');
      line(`TopK ${parts.join(' ')}`.trimEnd());
      break;
    }
    case 'negate':
      line('Negate');
      break;
    case 'threshold':
      line('Threshold');
      break;
    case 'union':
      line('Union');
      for (const input of rel.inputs) nodeLines(input, depth + 1, out);
      return;
  }
  nodeLines(rel.input, depth + 1, out);
}

/**
 * Text of EXPLAIN for a plan (indented operator tree, like Materialize's
 * EXPLAIN); `nameOf` names the collections read (materialize.public.t).
 */
export function explainPlan(plan: RelExpr, nameOf?: (id: GlobalId) => string | undefined): string {
  const out: ExplainOutput = nameOf ? { lines: [], nameOf } : { lines: [] };
  nodeLines(plan, 0, out);
  return out.lines.join('\n') + '\n';
}
