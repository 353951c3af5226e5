// Runs async tasks one after another, in the order they were submitted.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** True while a task runs or waits. */
  busy(): boolean {
    return this.pending > 0;
  }

  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    this.pending++;
    const run = this.tail.then(fn);
    this.tail = run.then(
      () => this.pending--,
      () => this.pending--,
    );
    return run;
  }
}
