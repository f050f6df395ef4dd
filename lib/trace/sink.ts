import { openOutputFile, type OutputFile, type OutputTarget } from "../util/files";

/**
 * Bounded-memory outputs for long traces: a file written to a temporary file and renamed into place on commit (so
 * FILE is complete or untouched), buffered stdout-like writers, and a ring buffer that keeps the last N items.
 */

const CHUNK = 1 << 20;

/** Collects small strings and hands them on in ~1 MB chunks. */
export class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly out: (chunk: string) => void) {}

  readonly write = (s: string): void => {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= CHUNK) this.flush();
  };

  flush(): void {
    if (this.size === 0 && this.parts.length === 0) return;
    this.out(this.parts.join(""));
    this.parts = [];
    this.size = 0;
  }
}

/**
 * A trace file: a regular file streamed to a unique temporary file beside it and renamed over it on commit() (abort()
 * removes it), or a character device or FIFO written straight into (lib/util/files.ts has the rules).
 */
export class AtomicFileSink {
  private readonly f: OutputFile;

  /** Checks and opens PATH; a path that cannot be written is a ConfigError on `field`. */
  constructor(
    readonly path: string,
    field = "out",
    target?: OutputTarget,
  ) {
    this.f = openOutputFile(path, field, target);
  }

  readonly write = (s: string): void => this.f.write(s);

  get bytes(): number {
    return this.f.bytes;
  }

  /** Writes what is buffered and moves the file into place. */
  commit(): void {
    this.f.commit();
  }

  /** Removes the temporary file (the destination is left untouched). */
  abort(): void {
    this.f.abort();
  }
}

/** Keeps the last `capacity` items pushed (and counts the ones dropped). */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  /** items pushed in all */
  pushed = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity ${capacity}: an integer >= 1`);
    this.items = new Array<T | undefined>(capacity);
  }

  readonly push = (item: T): void => {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    this.pushed++;
  };

  get size(): number {
    return Math.min(this.pushed, this.capacity);
  }

  get dropped(): number {
    return this.pushed - this.size;
  }

  /** the kept items, oldest first */
  toArray(): T[] {
    const n = this.size;
    const start = this.pushed > this.capacity ? this.next : 0;
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(this.items[(start + i) % this.capacity] as T);
    return out;
  }
}
