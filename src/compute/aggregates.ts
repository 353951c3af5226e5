// Invertible per-group aggregate states. Each state absorbs (values, diff)
// pairs, where diff may be negative (a retraction), and reports its current
// result. count/sum/bool_and/bool_or keep counters; min/max/any_value and the
// collecting aggregates keep the group's multiset of values.
import { Decimal } from 'decimal.js';
import { compareDatums } from '../repr/compare.js';
import { RowCounts } from './row-counts.js';
import { storedDatumKey } from './zset.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { displayScaleOf, withDisplayScale } from '../repr/numeric.js';
import { makeMap } from '../repr/values.js';
import { ArrayValue, Jsonb, ListValue, type Datum, type Interval, type Row, type SqlType } from '../repr/types.js';
import type { AggregateExpr, AggregateFuncName, ScalarExpr, ScalarOrder } from '../plan/mir.js';
import { ExactFloatSum } from './float-sum.js';
import { compareNullable } from './order.js';
import { jsonbConverter, jsonbKeyConverter, jsonbObject } from './jsonb.js';
import type { CompiledScalar } from './scalar.js';

export interface AggregateState {
  /** Adds `diff` copies of one row's evaluated inputs (arguments, then ORDER BY values). */
  add(values: Datum[], diff: number): void;
  result(): Datum;
  /**
   * True when the state holds nothing. Within one timestamp a group's row
   * count can pass through zero while its states still hold values (a
   * retraction arriving before the insertion it cancels), so a group may only
   * be forgotten when its count is zero and every state is empty.
   */
  isEmpty(): boolean;
}

export interface CompiledAggregate {
  /** The row's inputs for this aggregate, or undefined when FILTER excludes the row. */
  inputs(row: Row): Datum[] | undefined;
  create(): AggregateState;
}

/** Decimal arithmetic that never rounds a sum (the shared Decimal may be configured with less precision). */
const ExactDecimal = Decimal.clone({ precision: 1e9 });

class CountState implements AggregateState {
  private count = 0;
  constructor(private readonly asBigint: boolean) {}
  add(values: Datum[], diff: number): void {
    if (values[0] !== null) this.count += diff;
  }
  result(): Datum {
    return this.asBigint ? BigInt(this.count) : this.count;
  }
  isEmpty(): boolean {
    return this.count === 0;
  }
}

class SumState implements AggregateState {
  private nonNull = 0;
  private small = 0; // integer sum while it stays a safe integer
  private big = 0n;
  private float: ExactFloatSum | undefined;
  private decimal: Decimal | undefined;
  /** Live numeric inputs per display scale: the sum displays the largest (PostgreSQL's dscale of a sum). */
  private decimalScales: Map<number, number> | undefined;
  private interval: { months: number; days: number; micros: bigint } | undefined;

  constructor(private readonly type: SqlType) {}

  add(values: Datum[], diff: number): void {
    const v = values[0]!;
    if (v === null) return;
    this.nonNull += diff;
    if (typeof v === 'number') {
      if (this.type.kind === 'float4' || this.type.kind === 'float8') {
        (this.float ??= new ExactFloatSum()).add(v, diff);
      } else {
        const next = this.small + v * diff;
        if (Number.isSafeInteger(next)) this.small = next;
        else {
          this.big += BigInt(v) * BigInt(diff);
        }
      }
    } else if (typeof v === 'bigint') {
      this.big += v * BigInt(diff);
    } else if (Decimal.isDecimal(v)) {
      const term = new ExactDecimal(v).times(diff);
      this.decimal = this.decimal === undefined ? term : this.decimal.plus(term);
      const scale = displayScaleOf(v);
      const scales = (this.decimalScales ??= new Map<number, number>());
      const live = (scales.get(scale) ?? 0) + diff;
      if (live === 0) scales.delete(scale);
      else scales.set(scale, live);
    } else if (typeof v === 'object' && 'micros' in v) {
      const iv = v as Interval;
      const acc = (this.interval ??= { months: 0, days: 0, micros: 0n });
      acc.months += iv.months * diff;
      acc.days += iv.days * diff;
      acc.micros += iv.micros * BigInt(diff);
    } else {
      throw new SqlError(SqlState.internalError, 'sum over an unsupported value');
    }
  }

  isEmpty(): boolean {
    return (
      this.nonNull === 0 &&
      this.small === 0 &&
      this.big === 0n &&
      (this.float === undefined || this.float.isEmpty()) &&
      (this.decimal === undefined || this.decimal.isZero()) &&
      (this.decimalScales === undefined || this.decimalScales.size === 0) &&
      (this.interval === undefined || (this.interval.months === 0 && this.interval.days === 0 && this.interval.micros === 0n))
    );
  }

  result(): Datum {
    if (this.nonNull <= 0) return null;
    if (this.interval !== undefined) return { ...this.interval };
    if (this.float !== undefined) {
      const f = this.float.value();
      return this.type.kind === 'float4' ? Math.fround(f) : f;
    }
    const integer = this.big + BigInt(this.small);
    if (this.decimal !== undefined) {
      const scale = Math.max(0, ...(this.decimalScales?.keys() ?? []));
      return withDisplayScale(new Decimal(this.decimal.plus(integer.toString())), scale);
    }
    switch (this.type.kind) {
      case 'numeric':
        return new Decimal(integer.toString());
      case 'int8':
      case 'uint8':
        return integer;
      case 'float4':
      case 'float8':
        return Number(integer);
      default:
        return Number(integer);
    }
  }
}

class BoolState implements AggregateState {
  private trues = 0;
  private falses = 0;
  constructor(private readonly isAnd: boolean) {}
  add(values: Datum[], diff: number): void {
    const v = values[0];
    if (v === true) this.trues += diff;
    else if (v === false) this.falses += diff;
  }
  isEmpty(): boolean {
    return this.trues === 0 && this.falses === 0;
  }
  result(): Datum {
    if (this.trues <= 0 && this.falses <= 0) return null;
    return this.isAnd ? this.falses <= 0 : this.trues > 0;
  }
}

/** A multiset of input tuples (arguments and ORDER BY values) with counts. */

/**
 * Counts of single values. Primitive datums are their own map keys (no key
 * string per value); objects (numeric, interval, ...) are keyed by datumKey.
 * Until a second distinct value arrives the one value is held inline, so the
 * many groups holding a single value (GROUP BY a near-unique key) cost no map.
 */
class ValueCounts {
  private soleKey: Datum = null;
  private soleValue: Datum = null;
  private soleCount = 0;
  private counts: Map<Datum, number> | undefined;
  private objects: Map<string, Datum> | undefined;

  add(value: Datum, diff: number): void {
    const key: Datum = typeof value === 'object' && value !== null ? storedDatumKey(value) : value;
    if (this.counts === undefined) {
      if (this.soleCount === 0) {
        this.soleKey = key;
        this.soleValue = value;
        this.soleCount = diff;
        return;
      }
      if (this.soleKey === key || (Number.isNaN(key) && Number.isNaN(this.soleKey))) {
        this.soleCount += diff;
        return;
      }
      this.counts = new Map();
      this.addToMap(this.soleKey, this.soleValue, this.soleCount);
      this.soleCount = 0;
    }
    this.addToMap(key, value, diff);
  }

  private addToMap(key: Datum, value: Datum, diff: number): void {
    const counts = this.counts!;
    if (typeof value === 'object' && value !== null) (this.objects ??= new Map()).set(key as string, value);
    const count = (counts.get(key) ?? 0) + diff;
    if (count !== 0) counts.set(key, count);
    else {
      counts.delete(key);
      this.objects?.delete(key as string);
    }
  }

  isEmpty(): boolean {
    return this.counts === undefined ? this.soleCount === 0 : this.counts.size === 0;
  }

  forEach(visit: (value: Datum, count: number) => void): void {
    if (this.counts === undefined) {
      if (this.soleCount !== 0) visit(this.soleValue, this.soleCount);
      return;
    }
    const objects = this.objects;
    for (const [key, count] of this.counts) visit(objects === undefined ? key : (objects.get(key as string) ?? key), count);
  }
}

/** min / max / any_value: keeps the value counts, caches the extreme, rescans only when it is retracted. */
class ExtremeState implements AggregateState {
  private readonly values = new ValueCounts();
  private best: Datum = null;
  private valid = true;
  constructor(private readonly sign: number) {}
  isEmpty(): boolean {
    return this.values.isEmpty();
  }
  add(values: Datum[], diff: number): void {
    const v = values[0]!;
    if (v === null) return;
    this.values.add(v, diff);
    if (!this.valid) return;
    if (diff > 0) {
      if (this.best === null || this.sign * compareDatums(v, this.best) < 0) this.best = v;
    } else if (this.best !== null && compareDatums(v, this.best) === 0) {
      this.valid = false;
    }
  }
  result(): Datum {
    if (!this.valid) {
      let best: Datum = null;
      this.values.forEach((value, count) => {
        if (count > 0 && (best === null || this.sign * compareDatums(value, best) < 0)) best = value;
      });
      this.best = best;
      this.valid = true;
    }
    return this.best;
  }
}

type Collector = (ordered: Datum[][]) => Datum;

/** Aggregates whose result depends on every value: keep the multiset, rebuild on read. */
class CollectState implements AggregateState {
  private readonly values = new RowCounts();
  constructor(
    private readonly order: (a: Datum[], b: Datum[]) => number,
    private readonly collect: Collector,
  ) {}
  add(values: Datum[], diff: number): void {
    this.values.add(values, diff);
  }
  isEmpty(): boolean {
    return this.values.size === 0;
  }
  result(): Datum {
    const rows: Datum[][] = [];
    this.values.forEach((values, count) => {
      for (let i = 0; i < count; i++) rows.push(values);
    });
    if (rows.length === 0) return null;
    rows.sort(this.order);
    return this.collect(rows);
  }
}

/** DISTINCT: the inner state sees each value once, while its count is positive. */
class DistinctState implements AggregateState {
  private readonly counts = new RowCounts();
  constructor(
    private readonly inner: AggregateState,
    private readonly argCount: number,
  ) {}
  add(values: Datum[], diff: number): void {
    const before = this.counts.add(values.length === this.argCount ? values : values.slice(0, this.argCount), diff);
    const after = before + diff;
    if (before <= 0 && after > 0) this.inner.add(values, 1);
    else if (before > 0 && after <= 0) this.inner.add(values, -1);
  }
  isEmpty(): boolean {
    return this.counts.size === 0 && this.inner.isEmpty();
  }
  result(): Datum {
    return this.inner.result();
  }
}

/** Orders input tuples by ORDER BY (stored after the arguments), then by the arguments for determinism. */
function tupleOrder(argCount: number, orderBy: ScalarOrder[]): (a: Datum[], b: Datum[]) => number {
  return (a, b) => {
    for (let i = 0; i < orderBy.length; i++) {
      const o = orderBy[i]!;
      const c = compareNullable(a[argCount + i]!, b[argCount + i]!, o.desc, o.nullsFirst);
      if (c !== 0) return c;
    }
    for (let i = 0; i < argCount; i++) {
      const c = compareNullable(a[i]!, b[i]!, false, false);
      if (c !== 0) return c;
    }
    return 0;
  };
}

function collector(agg: AggregateExpr): Collector {
  const argType = agg.args[0]?.type ?? { kind: 'unknown' };
  switch (agg.func) {
    case 'string_agg':
      return (rows) => {
        let out: string | null = null;
        for (const r of rows) {
          if (r[0] === null) continue;
          out = out === null ? String(r[0]) : out + (r[1] === null ? '' : String(r[1])) + String(r[0]);
        }
        return out;
      };
    case 'array_agg':
      return (rows) => new ArrayValue(rows.map((r) => r[0]!), [rows.length]);
    case 'list_agg':
      return (rows) => new ListValue(rows.map((r) => r[0]!));
    case 'jsonb_agg': {
      const convert = jsonbConverter(argType, agg.timeZone);
      return (rows) => new Jsonb(rows.map((r) => convert(r[0]!)));
    }
    case 'jsonb_object_agg': {
      const keyText = jsonbKeyConverter(argType, agg.timeZone);
      const convert = jsonbConverter(agg.args[1]?.type ?? { kind: 'unknown' }, agg.timeZone);
      return (rows) => new Jsonb(jsonbObject(rows.map((r) => [keyText(r[0]!), convert(r[1]!)] as const)));
    }
    case 'map_agg':
      // Rows arrive in ORDER BY order (then by key and value): the last value of a key wins.
      return (rows) => makeMap(rows.filter((r) => r[0] !== null).map((r) => [r[0] as string, r[1]!] as const));
    default:
      throw new SqlError(SqlState.internalError, `${agg.func} is not a collecting aggregate`);
  }
}

function stateFactory(agg: AggregateExpr): () => AggregateState {
  switch (agg.func) {
    case 'count': {
      const asBigint = agg.type.kind === 'int8' || agg.type.kind === 'uint8' || agg.type.kind === 'numeric';
      return () => new CountState(asBigint);
    }
    case 'sum':
      return () => new SumState(agg.type);
    case 'min':
      return () => new ExtremeState(1);
    case 'max':
      return () => new ExtremeState(-1);
    case 'any_value':
      return () => new ExtremeState(1);
    case 'bool_and':
      return () => new BoolState(true);
    case 'bool_or':
      return () => new BoolState(false);
    default: {
      const order = tupleOrder(agg.args.length, agg.orderBy);
      const collect = collector(agg);
      return () => new CollectState(order, collect);
    }
  }
}

const KEEPS_NO_INPUTS = new Set<AggregateFuncName>(['count', 'sum', 'min', 'max', 'any_value', 'bool_and', 'bool_or']);

export function compileAggregate(agg: AggregateExpr, compile: (e: ScalarExpr) => CompiledScalar): CompiledAggregate {
  const args = agg.args.map(compile);
  const order = agg.orderBy.map((o) => compile(o.expr));
  const filter = agg.filter === undefined ? undefined : compile(agg.filter);
  const inner = stateFactory(agg);
  const argCount = args.length;
  const create = agg.distinct ? () => new DistinctState(inner(), argCount) : inner;
  const isObjectAgg = agg.func === 'jsonb_object_agg';
  // States that keep no reference to their inputs can be fed one reused array.
  const scratch = !agg.distinct && KEEPS_NO_INPUTS.has(agg.func) ? new Array<Datum>(args.length + order.length) : undefined;
  return {
    inputs(row) {
      if (filter !== undefined && filter(row) !== true) return undefined;
      const values: Datum[] = scratch ?? new Array<Datum>(args.length + order.length);
      for (let i = 0; i < args.length; i++) values[i] = args[i]!(row);
      for (let i = 0; i < order.length; i++) values[args.length + i] = order[i]!(row);
      if (isObjectAgg && values[0] === null) {
        throw new SqlError(SqlState.invalidParameterValue, 'field name must not be null');
      }
      return values;
    },
    create,
  };
}
