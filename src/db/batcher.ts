/**
 * Group commit for a hot write path: requests that arrive while earlier ones are being written wait and are then
 * written together, in one statement. Each request keeps its own answer (the `run` function returns one result
 * per item, in order); what they share is the statement, its plan, its trigger, its commit and its round trip.
 *
 * There is no timer: an idle batcher writes a request at once (a batch of one), so a quiet system pays no latency.
 * Under load, at most `maxInFlight` batches run at a time (about the number of cores the database has to spend),
 * and everything that queued meanwhile goes out in the next batch, up to `maxBatch` items.
 *
 * If a batch of several fails as a whole, each of its items is run again alone, so that one bad item cannot fail
 * the others; a batch of one passes its error to its caller.
 */
export interface BatcherOptions {
  maxBatch: number;
  maxInFlight: number;
}

interface Waiting<I, R> {
  item: I;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export class Batcher<I, R> {
  private readonly queue: Waiting<I, R>[] = [];
  private inFlight = 0;

  constructor(
    private readonly run: (items: readonly I[]) => Promise<readonly R[]>,
    private readonly opts: BatcherOptions,
  ) {
    if (!(opts.maxBatch >= 1 && opts.maxInFlight >= 1)) throw new Error('maxBatch and maxInFlight must be at least 1');
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      void this.write(batch).then((settle) => {
        this.inFlight--;
        // The next batch goes to the database first; the callers' answers are sent while it works.
        this.drain();
        settle();
      });
    }
  }

  /** Writes a batch; returns what hands its results (or errors) to the callers. */
  private async write(batch: readonly Waiting<I, R>[]): Promise<() => void> {
    let results: readonly R[];
    try {
      results = await this.run(batch.map((w) => w.item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${results.length} results`);
    } catch (e) {
      if (batch.length === 1) return () => batch[0]?.reject(e);
      // Alone, one after another (still within this batch's share of maxInFlight), each item gets its own result
      // or its own error.
      const settles: (() => void)[] = [];
      for (const w of batch) settles.push(await this.write([w]));
      return () => settles.forEach((settle) => settle());
    }
    return () => batch.forEach((w, i) => w.resolve(results[i] as R));
  }
}
