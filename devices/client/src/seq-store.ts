import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

/** Where a device keeps its next telemetry seq, so it keeps increasing across reconnects and restarts. */
export interface SeqStore {
  next(): number;
}

export class MemorySeqStore implements SeqStore {
  constructor(private value = 0) {}

  next(): number {
    return this.value++;
  }
}

/** The next seq in a file, written before the seq is used: a crash never reuses one. */
export class FileSeqStore implements SeqStore {
  private value: number;

  constructor(private readonly path: string) {
    this.value = existsSync(path) ? Number(readFileSync(path, "utf8").trim()) || 0 : 0;
  }

  next(): number {
    const seq = this.value++;
    writeFileSync(`${this.path}.tmp`, String(this.value));
    renameSync(`${this.path}.tmp`, this.path);
    return seq;
  }
}
