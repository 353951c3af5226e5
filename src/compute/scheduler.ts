// Future work of temporal filters: callbacks keyed by the logical time at
// which they fire. The controller drains every time up to the one it
// advances to, in order, so each scheduled change is observed at its own time.
export class Scheduler {
  private readonly callbacks = new Map<number, Array<() => void>>();
  /** Min-heap of the distinct scheduled times. */
  private readonly heap: number[] = [];

  at(time: number, fire: () => void): void {
    const list = this.callbacks.get(time);
    if (list !== undefined) {
      list.push(fire);
      return;
    }
    this.callbacks.set(time, [fire]);
    const heap = this.heap;
    heap.push(time);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= time) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = time;
  }

  /** The earliest scheduled time, if any. */
  next(): number | undefined {
    return this.heap[0];
  }

  /** Removes and returns the callbacks of the earliest time. */
  take(): Array<() => void> {
    const heap = this.heap;
    const time = heap[0];
    if (time === undefined) return [];
    const last = heap.pop()!;
    if (heap.length > 0) {
      // Sift the last element down from the root.
      const n = heap.length;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const child = l + 1 < n && heap[l + 1]! < heap[l]! ? l + 1 : l;
        if (heap[child]! >= last) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    const fired = this.callbacks.get(time) ?? [];
    this.callbacks.delete(time);
    return fired;
  }
}
