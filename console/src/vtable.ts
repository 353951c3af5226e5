// A virtualized table: only the rows in view (plus a margin) are in the DOM,
// so listings of thousands of objects or result rows stay fast. Rows have a
// fixed height; setRows() replaces the data and redraws what is visible.
import { h, clear } from './dom.js';

export interface VColumn<R> {
  title: string;
  /** CSS grid track, e.g. '2fr' or '120px'. */
  width?: string;
  align?: 'left' | 'right';
  cell(row: R): Node | string | null;
}

export interface VTableOptions<R> {
  columns: VColumn<R>[];
  /** Viewport height in px; default 420. */
  height?: number;
  onClick?: (row: R) => void;
  /** Extra class per row ('enter', 'leave', 'selected'). */
  rowClass?: (row: R) => string | undefined;
  empty?: string;
  /** A stable key per row, so a re-render keeps the scroll position meaningful. */
  key?: (row: R) => string;
}

const ROW_HEIGHT = 30;
const OVERSCAN = 8;

export class VTable<R> {
  readonly el: HTMLDivElement;
  private readonly viewport: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly head: HTMLDivElement;
  private rows: R[] = [];
  private columns: VColumn<R>[];
  private frame = 0;

  constructor(private readonly options: VTableOptions<R>) {
    this.columns = options.columns;
    this.head = h('div', { class: 'head' });
    this.spacer = h('div', { class: 'spacer' });
    this.viewport = h('div', { class: 'viewport' }, this.spacer);
    this.viewport.style.height = `${options.height ?? 420}px`;
    this.el = h('div', { class: 'vtable' }, this.head, this.viewport);
    this.viewport.addEventListener('scroll', () => this.schedule());
    this.renderHead();
  }

  setColumns(columns: VColumn<R>[]): void {
    this.columns = columns;
    this.renderHead();
    this.draw();
  }

  setRows(rows: R[]): void {
    this.rows = rows;
    this.draw();
  }

  get rowCount(): number {
    return this.rows.length;
  }

  private template(): string {
    return this.columns.map((c) => c.width ?? '1fr').join(' ');
  }

  private renderHead(): void {
    clear(this.head);
    this.head.style.gridTemplateColumns = this.template();
    for (const c of this.columns) this.head.append(h('div', { class: `cell${c.align === 'right' ? ' num' : ''}` }, c.title));
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const total = this.rows.length;
    this.spacer.style.height = `${Math.max(total * ROW_HEIGHT, 1)}px`;
    clear(this.spacer);
    if (total === 0) {
      this.spacer.append(h('div', { class: 'empty' }, this.options.empty ?? 'No rows.'));
      this.spacer.style.height = '48px';
      return;
    }
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || (this.options.height ?? 420);
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(total, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const template = this.template();
    for (let i = first; i < last; i++) {
      const row = this.rows[i]!;
      const extra = this.options.rowClass?.(row);
      const el = h('div', { class: `vrow${this.options.onClick ? ' clickable' : ''}${extra ? ` ${extra}` : ''}` });
      el.style.top = `${i * ROW_HEIGHT}px`;
      el.style.gridTemplateColumns = template;
      for (const c of this.columns) {
        const content = c.cell(row);
        const cell = h('div', { class: `cell${c.align === 'right' ? ' num' : ''}` });
        if (content === null) cell.append(h('span', { class: 'null' }, 'NULL'));
        else cell.append(content);
        if (typeof content === 'string') cell.title = content;
        el.append(cell);
      }
      if (this.options.onClick) el.addEventListener('click', () => this.options.onClick!(row));
      this.spacer.append(el);
    }
  }
}
