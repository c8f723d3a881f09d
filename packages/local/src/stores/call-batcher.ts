interface Call<I, R> {
  input: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Runs calls in batches: a call made while a batch is under way waits for it and runs with the
 * others that came meanwhile, in one round (`run` answers each input, in order); an idle call runs
 * at once, alone. Under load a table costs one statement per round, not one per caller — as
 * `GroupCommit` does for writes merged by key, for calls that each want their own answer.
 */
export class CallBatcher<I, R> {
  private waiting: Array<Call<I, R>> = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly run: (inputs: readonly I[]) => Promise<R[]>,
    /** At most this many calls in one round. */
    private readonly maxBatch = 500,
  ) {}

  call(input: I): Promise<R> {
    const answered = new Promise<R>((resolve, reject) => this.waiting.push({ input, resolve, reject }));
    this.running ??= this.drain();
    return answered;
  }

  /** Resolves once no round is under way (none waiting either). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const results = await this.run(batch.map((call) => call.input));
        for (const [i, call] of batch.entries()) call.resolve(results[i] as R);
      } catch (error) {
        for (const call of batch) call.reject(error);
      }
    }
    this.running = undefined;
  }
}
