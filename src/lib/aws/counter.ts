/** Counts of one AWS operation: calls made by ecspoc, and HTTP attempts including retries. */
export interface OperationCount {
  operations: number;
  attempts: number;
}

/** Per-process count of AWS API calls, by `Service.Operation`. `--debug` prints it at exit. */
export class ApiCallCounter {
  private readonly counts = new Map<string, OperationCount>();

  /** Records one operation (called once per SDK `send`). */
  operation(name: string): void {
    this.entry(name).operations += 1;
  }

  /** Records one HTTP attempt of an operation (retries included). */
  attempt(name: string): void {
    this.entry(name).attempts += 1;
  }

  /** Totals and per-operation counts, operations sorted by name. */
  snapshot(): { total: OperationCount; operations: Record<string, OperationCount> } {
    const names = [...this.counts.keys()].sort();
    const operations: Record<string, OperationCount> = {};
    const total = { operations: 0, attempts: 0 };
    for (const name of names) {
      const count = this.counts.get(name) as OperationCount;
      operations[name] = { ...count };
      total.operations += count.operations;
      total.attempts += count.attempts;
    }
    return { total, operations };
  }

  private entry(name: string): OperationCount {
    let count = this.counts.get(name);
    if (!count) {
      count = { operations: 0, attempts: 0 };
      this.counts.set(name, count);
    }
    return count;
  }
}

/** The counter every client of this process reports to. */
export const apiCalls = new ApiCallCounter();
