// Window functions, lowered as Materialize does: per partition, a reduce
// collects the rows (in the window's ORDER BY) into a list; a table function
// walks the list, computes each row's value and unnests the rows again. Any
// change to a partition recomputes that partition only.
import type { Datum, SqlType } from '../repr/types.js';
import { ArrayValue, ListValue, RecordValue } from '../repr/types.js';
import { makeMap } from '../repr/values.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { compareDatums } from '../repr/compare.js';
import type * as ast from '../sql/ast.js';
import { commonType, resolveAggregate, resolveCast, resolveOperator } from '../expr/resolve.js';
import { sameType, withoutModifiers } from '../expr/type-info.js';
import type { AggregateExpr, RelExpr, ScalarExpr, TableFunc } from './mir.js';
import type { ExprCtx } from './frame.js';
import type { ExprPlanner } from './expr.js';
import type { PlanState } from './state.js';
import { coerce, resolveUnknown, withPosition } from './coerce.js';
import * as b from './builtins.js';
import { walkChildren } from './ast-walk.js';
import { columnNullability } from './nullability.js';
import { UNIT, arity, columnTypes, project, range } from './rel.js';
import { evaluateConstant } from './constant.js';

const INT8: SqlType = { kind: 'int8' };
const INT4: SqlType = { kind: 'int4' };
const FLOAT8: SqlType = { kind: 'float8' };
/** Window functions that never return NULL. */
const NON_NULL_RESULTS = new Set(['row_number', 'rank', 'dense_rank', 'count']);

/** Window function calls in `e` (not entering subqueries). */
export function collectWindowCalls(e: ast.Expr | undefined, out: ast.FunctionCallExpr[]): void {
  if (!e) return;
  if (e.kind === 'function' && e.over) {
    out.push(e);
    return;
  }
  walkChildren(e, (child) => collectWindowCalls(child, out));
}

/** Where each row's frame starts and ends (inclusive row indexes), and the last peer of each row. */
interface FrameBounds {
  ends: number[];
  lo: number[];
  hi: number[];
}

/** Computes one value per row of a sorted partition. */
type WindowEvaluator = (rows: Datum[][], frame: FrameBounds) => Datum[];

interface WindowFunction {
  type: SqlType;
  evaluate: WindowEvaluator;
}

type Bound = { kind: 'unbounded' } | { kind: 'current' } | { kind: 'offset'; rows: number };

interface FrameSpec {
  units: 'rows' | 'range';
  start: Bound;
  end: Bound;
}

/** Index of the last peer (equal ORDER BY values) of each row; the partition's end without ORDER BY. */
function peerEnds(rows: Datum[][], orderStart: number, orderCount: number): number[] {
  const ends = new Array<number>(rows.length);
  let end = rows.length - 1;
  for (let i = rows.length - 1; i >= 0; i--) {
    if (i < rows.length - 1 && orderCount > 0) {
      const same = range(orderStart, orderStart + orderCount).every((c) => compareDatums(rows[i]![c] ?? null, rows[i + 1]![c] ?? null) === 0);
      if (!same) end = i;
    }
    ends[i] = end;
  }
  return ends;
}

function frameBounds(spec: FrameSpec, ends: number[]): FrameBounds {
  const len = ends.length;
  const starts: number[] = [];
  ends.forEach((end, i) => starts.push(i > 0 && ends[i - 1] === end ? starts[i - 1]! : i));
  const at = (bound: Bound, i: number, isStart: boolean): number => {
    switch (bound.kind) {
      case 'unbounded':
        return isStart ? 0 : len - 1;
      case 'current':
        return spec.units === 'range' ? (isStart ? starts[i]! : ends[i]!) : i;
      case 'offset':
        return i + bound.rows;
    }
  };
  return {
    ends,
    lo: ends.map((_e, i) => Math.max(0, at(spec.start, i, true))),
    hi: ends.map((_e, i) => Math.min(len - 1, at(spec.end, i, false))),
  };
}

/** An aggregate over each row's frame; a running prefix when every frame starts at the partition start. */
function frameAggregate(step: (acc: Datum, value: Datum) => Datum, initial: Datum, arg: number): WindowEvaluator {
  const valueOf = (row: Datum[]): Datum => (arg < 0 ? true : (row[arg] ?? null));
  return (rows, frame) => {
    if (frame.lo.every((l) => l === 0)) {
      const prefix: Datum[] = [];
      let acc = initial;
      for (const row of rows) {
        acc = step(acc, valueOf(row));
        prefix.push(acc);
      }
      return rows.map((_r, i) => (frame.hi[i]! < 0 ? initial : (prefix[frame.hi[i]!] ?? null)));
    }
    return rows.map((_r, i) => {
      let acc = initial;
      for (let j = frame.lo[i]!; j <= frame.hi[i]!; j++) acc = step(acc, valueOf(rows[j]!));
      return acc;
    });
  };
}

/** OVER w / OVER (w ORDER BY ...): the named window's partitioning, refined by what is written here. */
function resolveSpec(spec: ast.WindowSpec, named: ast.Select['windows'], pos: number, depth = 0): ast.WindowSpec {
  if (spec.name === undefined) return spec;
  const base = named?.find((w) => w.name === spec.name);
  if (!base || depth > (named?.length ?? 0)) {
    throw new SqlError(SqlState.undefinedObject, `window "${spec.name}" does not exist`, { position: pos + 1 });
  }
  const resolved = resolveSpec(base.spec, named, pos, depth + 1);
  if (spec.orderBy.length > 0 && resolved.orderBy.length > 0) {
    throw new SqlError(SqlState.windowingError, `cannot override ORDER BY clause of window "${spec.name}"`, { position: pos + 1 });
  }
  return {
    partitionBy: resolved.partitionBy,
    orderBy: spec.orderBy.length > 0 ? spec.orderBy : resolved.orderBy,
    ...(spec.frame ?? resolved.frame ? { frame: spec.frame ?? resolved.frame } : {}),
  };
}

export class WindowPlanner {
  constructor(
    private readonly state: PlanState,
    private readonly exprs: ExprPlanner,
  ) {}

  /** Adds the call's value as a column of ec.rel and returns it. */
  plan(call: ast.FunctionCallExpr, ec: ExprCtx, width: number, named: ast.Select['windows'] = []): ScalarExpr {
    const spec = resolveSpec(call.over!, named, call.pos);
    const name = call.name.parts[call.name.parts.length - 1]!;
    const frameSpec = this.frameSpec(spec.frame, call.pos);
    if (call.distinct || call.filter) {
      throw new SqlError(SqlState.featureNotSupported, 'DISTINCT and FILTER are not supported in window functions', { position: call.pos + 1 });
    }
    const inner: ExprCtx = { ...ec, clause: 'window function calls', allowTableFunctions: false };
    const partition = spec.partitionBy.map((e) => resolveUnknown(this.state, this.exprs.plan(e, inner), e.pos));
    const order = spec.orderBy.map((o) => ({ expr: resolveUnknown(this.state, this.exprs.plan(o.expr, inner), o.expr.pos), desc: o.desc, nullsFirst: o.nullsFirst ?? o.desc }));
    const args = call.star ? [] : call.args.map((a) => resolveUnknown(this.state, this.exprs.plan(a, inner), a.pos));
    ec.rel = inner.rel;
    const n = arity(ec.rel);
    // Planned first: it coerces its arguments (lag's default to the value's type) before they become fields.
    const fn = withPosition(call.pos, () => this.windowFunction(name, args, n, order.length, call));
    const types = columnTypes(ec.rel);
    const fields = [...range(0, n).map((i) => b.column(i, types[i]!)), ...order.map((o) => o.expr), ...args];
    const recordType: SqlType = { kind: 'record', fields: fields.map((f, i) => ({ name: `f${i}`, type: f.type })) };
    const listType: SqlType = { kind: 'list', element: recordType };
    const groupKey = [...range(0, width).map((i) => b.column(i, types[i]!)), ...partition];
    const collect: AggregateExpr = {
      func: 'list_agg',
      args: [b.call(b.RECORD_CONSTRUCT, fields, recordType)],
      distinct: false,
      orderBy: order,
      type: listType,
    };
    const orderStart = n;
    const inputNullable = columnNullability(ec.rel);
    const func: TableFunc = {
      name: `window_${name}`,
      columns: [
        ...types.map((t, i) => ({ name: `c${i}`, type: t, nullable: inputNullable[i] ?? true })),
        { name, type: fn.type, nullable: fn.type.kind !== 'int8' || !NON_NULL_RESULTS.has(name) },
      ],
      eval: function* (input) {
        const list = input[0];
        if (!(list instanceof ListValue)) return;
        const rows = list.elements.map((r) => (r as RecordValue).fields);
        const values = fn.evaluate(rows, frameBounds(frameSpec, peerEnds(rows, orderStart, order.length)));
        for (let i = 0; i < rows.length; i++) yield [...rows[i]!.slice(0, n), values[i] ?? null];
      },
    };
    const k = groupKey.length;
    const reduced: RelExpr = { op: 'reduce', input: ec.rel, groupKey, aggregates: [collect] };
    const flat: RelExpr = { op: 'flatMap', input: reduced, func, args: [b.column(k, listType)] };
    ec.rel = project(flat, range(k + 1, k + 2 + n));
    return b.column(n, fn.type);
  }

  /** The frame clause; offsets must be constant row counts (ROWS); RANGE only between the partition ends and the peer group. */
  private frameSpec(frame: ast.WindowFrame | undefined, pos: number): FrameSpec {
    if (!frame) return { units: 'range', start: { kind: 'unbounded' }, end: { kind: 'current' } };
    if (frame.units === 'groups') {
      throw new SqlError(SqlState.featureNotSupported, 'GROUPS window frames are not supported', { position: pos + 1 });
    }
    const bound = (b: ast.WindowFrameBound): Bound => {
      switch (b.kind) {
        case 'unboundedPreceding':
        case 'unboundedFollowing':
          return { kind: 'unbounded' };
        case 'currentRow':
          return { kind: 'current' };
        case 'preceding':
        case 'following': {
          if (frame.units !== 'rows') {
            throw new SqlError(SqlState.featureNotSupported, 'RANGE window frames with offsets are not supported', { position: pos + 1 });
          }
          const n = this.frameOffset(b.offset);
          return { kind: 'offset', rows: b.kind === 'preceding' ? -n : n };
        }
      }
    };
    if (frame.start.kind === 'unboundedFollowing' || frame.end?.kind === 'unboundedPreceding') {
      throw new SqlError(SqlState.windowingError, 'frame starting from following row cannot end with current row', { position: pos + 1 });
    }
    return { units: frame.units, start: bound(frame.start), end: frame.end ? bound(frame.end) : { kind: 'current' } };
  }

  private frameOffset(e: ast.Expr): number {
    const ec: ExprCtx = { rel: UNIT, scope: { levels: [] }, frame: { outer: UNIT, width: 0, levels: [], used: new Set() }, clause: 'window frames', allowTableFunctions: false };
    const planned = coerce(this.state, this.exprs.plan(e, ec), INT8, 'implicit', e.pos);
    const value = evaluateConstant(planned);
    if (typeof value !== 'bigint' || value < 0n) {
      throw new SqlError(SqlState.windowingError, 'frame offset must be a non-negative constant', { position: e.pos + 1 });
    }
    return Number(value);
  }

  private windowFunction(name: string, args: ScalarExpr[], n: number, orderCount: number, call: ast.FunctionCallExpr): WindowFunction {
    const argAt = (i: number) => n + orderCount + i;
    if (call.nullTreatment !== undefined && name !== 'lag' && name !== 'lead') {
      throw new SqlError(SqlState.featureNotSupported, 'IGNORE NULLS and RESPECT NULLS options for functions other than LAG and LEAD not yet supported', {
        position: call.pos + 1,
      });
    }
    switch (name) {
      case 'row_number':
        return { type: INT8, evaluate: (rows) => rows.map((_r, i) => BigInt(i + 1)) };
      case 'rank':
      case 'dense_rank': {
        // A new peer group starts where the previous row's last peer differs: rank jumps to the row number, dense_rank by one.
        const dense = name === 'dense_rank';
        return {
          type: INT8,
          evaluate: (rows, { ends }) => {
            let rank = 1;
            return rows.map((_r, i) => {
              if (i > 0 && ends[i - 1] !== ends[i]) rank = dense ? rank + 1 : i + 1;
              return BigInt(rank);
            });
          },
        };
      }
      case 'percent_rank':
      case 'cume_dist': {
        if (args.length !== 0) break;
        // percent_rank: (rank - 1) / (rows - 1); cume_dist: rows up to the current row's last peer / rows.
        const cume = name === 'cume_dist';
        return {
          type: FLOAT8,
          evaluate: (rows, { ends }) => {
            let firstPeer = 0;
            return rows.map((_r, i) => {
              if (i > 0 && ends[i - 1] !== ends[i]) firstPeer = i;
              if (cume) return (ends[i]! + 1) / rows.length;
              return rows.length > 1 ? firstPeer / (rows.length - 1) : 0;
            });
          },
        };
      }
      case 'ntile': {
        if (args.length !== 1) break;
        args[0] = coerce(this.state, args[0]!, INT4, 'implicit', call.pos);
        return {
          type: INT4,
          evaluate: (rows) => {
            if (rows.length === 0) return [];
            // The bucket count is read once per partition, from its first row (as PostgreSQL does).
            const buckets = rows[0]![argAt(0)];
            if (buckets === null || buckets === undefined) return rows.map(() => null);
            if ((buckets as number) <= 0) throw new SqlError(SqlState.invalidArgumentForNtile, 'argument of ntile must be greater than zero');
            const k = buckets as number;
            const perBucket = Math.floor(rows.length / k);
            const larger = rows.length % k; // the first `larger` buckets hold one row more
            const inLarger = larger * (perBucket + 1);
            return rows.map((_r, i) => (i < inLarger ? Math.floor(i / (perBucket + 1)) : larger + Math.floor((i - inLarger) / perBucket)) + 1);
          },
        };
      }
      case 'nth_value': {
        if (args.length !== 2) break;
        args[1] = coerce(this.state, args[1]!, INT4, 'implicit', call.pos);
        return {
          type: args[0]!.type,
          evaluate: (rows, f) =>
            rows.map((row, i) => {
              const nth = row[argAt(1)];
              if (nth === null || nth === undefined) return null;
              if ((nth as number) <= 0) throw new SqlError(SqlState.invalidArgumentForNthValue, 'argument of nth_value must be greater than zero');
              const at = f.lo[i]! + (nth as number) - 1;
              return at <= f.hi[i]! ? (rows[at]![argAt(0)] ?? null) : null;
            }),
        };
      }
      case 'lag':
      case 'lead': {
        if (args.length < 1 || args.length > 3) break;
        // lag(anycompatible, int, anycompatible): the value and the default take their common type,
        // keeping a modifier (numeric(10,2)) only when both have it.
        let type = args[0]!.type;
        if (args[1]) args[1] = coerce(this.state, args[1], INT4, 'implicit', call.pos);
        if (args[2]) {
          if (!sameType(args[2].type, type)) type = withoutModifiers(commonType([type, args[2].type], name));
          args[0] = coerce(this.state, args[0]!, type, 'implicit', call.pos);
          args[2] = coerce(this.state, args[2], type, 'implicit', call.pos);
        }
        const direction = name === 'lag' ? -1 : 1;
        if (call.nullTreatment === 'ignore') {
          // The offset counts only rows whose value is not NULL.
          return {
            type,
            evaluate: (rows) =>
              rows.map((row, i) => {
                const offset = args.length > 1 ? Number(row[argAt(1)] ?? 1) : 1;
                if (offset === 0) return row[argAt(0)] ?? null;
                const step = offset > 0 ? direction : -direction;
                let seen = 0;
                for (let j = i + step; j >= 0 && j < rows.length; j += step) {
                  const v = rows[j]![argAt(0)] ?? null;
                  if (v !== null && ++seen === Math.abs(offset)) return v;
                }
                return args.length > 2 ? (row[argAt(2)] ?? null) : null;
              }),
          };
        }
        return {
          type,
          evaluate: (rows) =>
            rows.map((row, i) => {
              const offset = args.length > 1 ? Number(row[argAt(1)] ?? 1) : 1;
              const target = rows[i + direction * offset];
              return target ? (target[argAt(0)] ?? null) : args.length > 2 ? (row[argAt(2)] ?? null) : null;
            }),
        };
      }
      case 'first_value':
        if (args.length !== 1) break;
        return { type: args[0]!.type, evaluate: (rows, f) => rows.map((_r, i) => (f.lo[i]! <= f.hi[i]! ? (rows[f.lo[i]!]![argAt(0)] ?? null) : null)) };
      case 'last_value':
        if (args.length !== 1) break;
        return { type: args[0]!.type, evaluate: (rows, f) => rows.map((_r, i) => (f.lo[i]! <= f.hi[i]! ? (rows[f.hi[i]!]![argAt(0)] ?? null) : null)) };
      case 'count':
        return { type: INT8, evaluate: frameAggregate((acc, v) => (v === null ? acc : (acc as bigint) + 1n), 0n, call.star ? -1 : argAt(0)) };
      case 'min':
      case 'max': {
        if (args.length !== 1) break;
        const sign = name === 'min' ? -1 : 1;
        const step = (acc: Datum, v: Datum): Datum => (v === null ? acc : acc === null || sign * compareDatums(v, acc) > 0 ? v : acc);
        return { type: args[0]!.type, evaluate: frameAggregate(step, null, argAt(0)) };
      }
      case 'sum':
      case 'avg': {
        if (args.length !== 1) break;
        const sumType = resolveAggregate('sum', [args[0]!.type]).returnType;
        const toSum = resolveCast(args[0]!.type, sumType, 'implicit');
        const add = resolveOperator('+', sumType, sumType).func;
        const sumStep = (acc: Datum, v: Datum): Datum => {
          if (v === null) return acc;
          const x = toSum ? toSum.eval([v]) : v;
          return acc === null ? x : add.eval([acc, x]);
        };
        if (name === 'sum') return { type: sumType, evaluate: frameAggregate(sumStep, null, argAt(0)) };
        const avgType = resolveAggregate('avg', [args[0]!.type]).returnType;
        const toAvg = resolveCast(sumType, avgType, 'implicit');
        const countToAvg = resolveCast(INT8, avgType, 'implicit');
        const divide = resolveOperator('/', avgType, avgType).func;
        if (!countToAvg) break;
        const sums = frameAggregate(sumStep, null, argAt(0));
        const counts = frameAggregate((acc, v) => (v === null ? acc : (acc as bigint) + 1n), 0n, argAt(0));
        return {
          type: avgType,
          evaluate: (rows, frame) => {
            const s = sums(rows, frame);
            const c = counts(rows, frame);
            return rows.map((_r, i) => {
              const sum = s[i] ?? null;
              if (sum === null || c[i] === 0n) return null;
              return divide.eval([toAvg ? toAvg.eval([sum]) : sum, countToAvg.eval([c[i] ?? 0n])]);
            });
          },
        };
      }
      case 'array_agg':
      case 'list_agg':
      case 'string_agg':
      case 'map_agg':
      case 'bool_and':
      case 'bool_or':
      case 'every': {
        // Collecting aggregates over the frame, in the window's order.
        if (call.orderBy.length > 0 || (name === 'array_agg' && args[0]?.type.kind === 'array')) break;
        const resolved = resolveAggregate(name, args.map((a) => a.type));
        args.forEach((a, i) => (args[i] = coerce(this.state, a, resolved.argTypes[i] ?? a.type, 'implicit', call.pos)));
        const collect = ((): ((vals: Datum[][]) => Datum) => {
          switch (name) {
            case 'array_agg':
              return (vals) => new ArrayValue(vals.map((v) => v[0]!), [vals.length]);
            case 'list_agg':
              return (vals) => new ListValue(vals.map((v) => v[0]!));
            case 'map_agg':
              return (vals) => makeMap(vals.filter((v) => v[0] !== null).map((v) => [v[0] as string, v[1]!] as const));
            case 'string_agg':
              return (vals) => {
                let out: string | null = null;
                for (const v of vals) if (v[0] !== null) out = out === null ? String(v[0]) : out + (v[1] === null ? '' : String(v[1])) + String(v[0]);
                return out;
              };
            default: {
              const and = name !== 'bool_or';
              return (vals) => {
                let acc: boolean | null = null;
                for (const v of vals) if (v[0] !== null) acc = acc === null ? (v[0] as boolean) : and ? acc && (v[0] as boolean) : acc || (v[0] as boolean);
                return acc;
              };
            }
          }
        })();
        const at = args.map((_a, i) => argAt(i));
        return {
          type: resolved.returnType,
          evaluate: (rows, f) =>
            rows.map((_r, i) => {
              if (f.hi[i]! < f.lo[i]!) return null;
              const vals: Datum[][] = [];
              for (let j = f.lo[i]!; j <= f.hi[i]!; j++) vals.push(at.map((k) => rows[j]![k] ?? null));
              return collect(vals);
            }),
        };
      }
      default:
        break;
    }
    throw new SqlError(SqlState.featureNotSupported, `window function ${name}(${args.map((a) => a.type.kind).join(', ')}) is not supported`, {
      position: call.pos + 1,
    });
  }
}
