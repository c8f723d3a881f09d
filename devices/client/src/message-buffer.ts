import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

export interface BufferedMessage {
  /** Increasing per buffer: the order messages go out in. */
  id: number;
  topic: string;
  payload: Uint8Array;
  /** The telemetry seq, when the message has one. */
  seq?: number;
}

/** Messages waiting for the broker's acknowledgement, oldest first, bounded. */
export interface MessageBuffer {
  /** Adds a message; returns what had to be dropped (the oldest) to stay within the bound. */
  push(message: Omit<BufferedMessage, "id">): { message: BufferedMessage; dropped: BufferedMessage[] };
  /** The oldest messages, in order. */
  peek(count: number): BufferedMessage[];
  /** The broker has it: forget it. */
  remove(id: number): void;
  readonly size: number;
}

/** In memory: lost with the process, fine for simulators and for devices that can afford it. */
export class MemoryBuffer implements MessageBuffer {
  protected readonly messages = new Map<number, BufferedMessage>();
  protected nextId = 1;

  constructor(readonly capacity = 10_000) {}

  push(message: Omit<BufferedMessage, "id">) {
    const stored: BufferedMessage = { ...message, id: this.nextId++ };
    this.messages.set(stored.id, stored);
    const dropped: BufferedMessage[] = [];
    while (this.messages.size > this.capacity) {
      const oldest = this.messages.values().next().value as BufferedMessage;
      this.messages.delete(oldest.id);
      dropped.push(oldest);
    }
    return { message: stored, dropped };
  }

  peek(count: number): BufferedMessage[] {
    const result: BufferedMessage[] = [];
    for (const message of this.messages.values()) {
      if (result.length >= count) break;
      result.push(message);
    }
    return result;
  }

  remove(id: number): void {
    this.messages.delete(id);
  }

  get size(): number {
    return this.messages.size;
  }
}

type Line =
  | { op: "push"; id: number; topic: string; payload: string; seq?: number }
  | { op: "ack"; id: number };

/**
 * A buffer that survives a restart of the device: a journal file of pushes and acks, replayed on
 * open and compacted when it grows to several times what it holds.
 */
export class FileBuffer extends MemoryBuffer {
  private lines = 0;

  constructor(
    private readonly path: string,
    capacity = 10_000,
  ) {
    super(capacity);
    if (existsSync(path)) this.replay();
  }

  private replay(): void {
    for (const text of readFileSync(this.path, "utf8").split("\n")) {
      if (text.trim() === "") continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue; // a torn last line after a crash
      }
      if (line.op === "push") {
        this.messages.set(line.id, {
          id: line.id,
          topic: line.topic,
          payload: Buffer.from(line.payload, "base64"),
          ...(line.seq !== undefined ? { seq: line.seq } : {}),
        });
        this.nextId = Math.max(this.nextId, line.id + 1);
      } else {
        this.messages.delete(line.id);
      }
    }
    this.compact();
  }

  private append(line: Line): void {
    appendFileSync(this.path, `${JSON.stringify(line)}\n`);
    this.lines += 1;
    if (this.lines > 4 * Math.max(this.messages.size, 256)) this.compact();
  }

  private compact(): void {
    const text = [...this.messages.values()].map((m) => JSON.stringify(this.pushLine(m))).join("\n");
    writeFileSync(`${this.path}.tmp`, text === "" ? "" : `${text}\n`);
    renameSync(`${this.path}.tmp`, this.path);
    this.lines = this.messages.size;
  }

  private pushLine(message: BufferedMessage): Line {
    return {
      op: "push",
      id: message.id,
      topic: message.topic,
      payload: Buffer.from(message.payload).toString("base64"),
      ...(message.seq !== undefined ? { seq: message.seq } : {}),
    };
  }

  override push(message: Omit<BufferedMessage, "id">) {
    const result = super.push(message);
    this.append(this.pushLine(result.message));
    for (const dropped of result.dropped) this.append({ op: "ack", id: dropped.id });
    return result;
  }

  override remove(id: number): void {
    if (!this.messages.has(id)) return;
    super.remove(id);
    this.append({ op: "ack", id });
  }
}
