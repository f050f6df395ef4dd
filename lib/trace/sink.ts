import { closeSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { ConfigError } from "../util/errors";

/**
 * Bounded-memory outputs for long traces: a file written as FILE.tmp and renamed into place on commit (so FILE is
 * complete or absent), buffered stdout-like writers, and a ring buffer that keeps the last N items.
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

/** A file streamed to PATH.tmp and renamed to PATH on commit(); abort() removes the temporary file. */
export class AtomicFileSink {
  readonly tmp: string;
  private fd: number | undefined;
  private readonly buf: ChunkedWriter;
  bytes = 0;

  /** Opens PATH.tmp; a path that cannot be written is a ConfigError on `field`. */
  constructor(
    readonly path: string,
    field = "out",
  ) {
    this.tmp = path + ".tmp";
    try {
      this.fd = openSync(this.tmp, "w");
    } catch (e) {
      const why = e instanceof Error && "code" in e ? ` (${String((e as NodeJS.ErrnoException).code)})` : "";
      throw new ConfigError(field, path, `a writable file path${why}`);
    }
    this.buf = new ChunkedWriter((chunk) => {
      if (this.fd === undefined) throw new Error(`${this.path}: write after close`);
      this.bytes += writeSync(this.fd, chunk);
    });
  }

  readonly write = (s: string): void => this.buf.write(s);

  /** Writes what is buffered, closes the file and moves it into place. */
  commit(): void {
    this.buf.flush();
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    renameSync(this.tmp, this.path);
  }

  /** Closes and removes the temporary file (the destination is left untouched). */
  abort(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already unusable: removing it is all that matters
      }
      this.fd = undefined;
    }
    try {
      unlinkSync(this.tmp);
    } catch {
      // nothing to remove
    }
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
