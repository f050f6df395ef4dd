import * as fs from "node:fs";
import * as errors from "../util/errors";
import * as files from "../util/files";
import * as textUtil from "../util/text";
import * as importer from "./importer";
import type { ImportSummary } from "./importer";
import * as kvmstat from "./kvmstat";
import * as parse from "./parse";

// hot imports bound to module-local constants (test/engine/hot-imports.test.ts)
const { closeSync, fstatSync, readSync } = fs;
const { ConfigError } = errors;
type ConfigError = errors.ConfigError;
const { TraceImporter, TraceLineError } = importer;
type TraceLineError = importer.TraceLineError;
const { isKvmStatLine, KvmStatImporter } = kvmstat;
const { isNoiseLine } = parse;
const { openInputFile } = files;
const { echo } = textUtil;

/**
 * Reading an L0 recording from a file or a string, streaming: the file is read in 4 MiB chunks and split into
 * lines, so memory stays bounded whatever its size (the importers keep only per-vcpu state and fixed-size
 * distributions). The first line that is not a header decides the kind: a perf kvm stat report table, or event lines
 * (trace-cmd report, perf script). A last line without its newline is a truncated file: dropped, with a warning.
 */

const CHUNK = 4 << 20;

/** true when the first n bytes are all below 0x80 (checked 8 bytes at a time) */
function isAscii(buf: Buffer, n: number): boolean {
  const words = n >> 3;
  const dv = new DataView(buf.buffer, buf.byteOffset, n);
  for (let w = 0; w < words; w++) if ((dv.getUint32(w * 8, true) | dv.getUint32(w * 8 + 4, true)) & 0x80808080) return false;
  for (let k = words * 8; k < n; k++) if (buf[k]! & 0x80) return false;
  return true;
}

export interface ImportOptions {
  /** the option that named the file, for messages: "trace" (--trace FILE) or the positional FILE (default) */
  readonly field?: "trace" | "file";
  /** progress (bytes read of the file's size) */
  readonly progress?: (done: number, total: number, what: string) => void;
}

interface LineSink {
  line(text: string, n: number): void;
  finish(truncated?: boolean): ImportSummary;
}

/** Feeds lines to the right importer, deciding the kind at the first line that is not a header. */
class Dispatch {
  private sink: LineSink | undefined;
  private n = 0;
  constructor(private readonly source: string) {}

  line(text: string): void {
    this.n++;
    const t = text.endsWith("\r") ? text.slice(0, -1) : text;
    if (this.sink === undefined) {
      if (isNoiseLine(t)) return;
      this.sink = isKvmStatLine(t) ? new KvmStatImporter(this.source) : new TraceImporter(this.source);
    }
    this.sink.line(t, this.n);
  }

  finish(truncated: boolean): ImportSummary {
    if (this.sink === undefined) throw new TraceLineError(this.n, "no events: accepted trace-cmd report text, perf script output of the kvm events, or a perf kvm stat report table");
    return this.sink.finish(truncated);
  }
}

/** A bad line, named by the field that gave the file (import's FILE, diff's and fit's --trace), the file and the line. */
function badLine(source: string, e: TraceLineError, field = "file"): ConfigError {
  const name = field === "file" ? "file" : `--${field}`;
  return new ConfigError(field, `${source}:${e.line}`, "an L0 recording", `invalid ${name} '${echo(source)}', line ${e.line}: ${echo(e.why)}`);
}

/** Imports a recording from a file (streaming). Bad input is a ConfigError naming the file and line. */
export function importTraceFile(file: string, opts: ImportOptions = {}): ImportSummary {
  const field = opts.field ?? "file";
  const { fd } = openInputFile(file, field, "trace-cmd report text, perf script output or a perf kvm stat report", "save a stream to a file first");
  const d = new Dispatch(file);
  try {
    const total = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(CHUNK);
    let carry = 0; // bytes of an unfinished line kept at the start of buf
    let done = 0;
    for (;;) {
      if (carry === buf.length) {
        // one line longer than the buffer: grow it
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const n = readSync(fd, buf, carry, buf.length - carry, null);
      if (n === 0) break;
      done += n;
      const end = carry + n;
      const lastNl = buf.lastIndexOf(10, end - 1);
      if (lastNl < 0) {
        carry = end;
        continue;
      }
      // whole lines only, so a multi-byte character is never split; pure ASCII (every kernel format) decodes as
      // latin1, which is a copy
      const text = isAscii(buf, lastNl + 1) ? buf.toString("latin1", 0, lastNl + 1) : buf.toString("utf8", 0, lastNl + 1);
      let start = 0;
      for (let nl = text.indexOf("\n", start); nl >= 0; nl = text.indexOf("\n", start)) {
        d.line(text.slice(start, nl));
        start = nl + 1;
      }
      carry = end - (lastNl + 1);
      buf.copy(buf, 0, lastNl + 1, end);
      opts.progress?.(done, total, "import");
    }
    return d.finish(carry > 0);
  } catch (e) {
    if (e instanceof TraceLineError) throw badLine(file, e, field);
    throw e;
  } finally {
    closeSync(fd);
  }
}

/** Imports a recording held in a string (`source` names it in messages). */
export function importTraceText(text: string, source = "<text>"): ImportSummary {
  const d = new Dispatch(source);
  try {
    let start = 0;
    for (let nl = text.indexOf("\n", start); nl >= 0; nl = text.indexOf("\n", start)) {
      d.line(text.slice(start, nl));
      start = nl + 1;
    }
    return d.finish(start < text.length);
  } catch (e) {
    if (e instanceof TraceLineError) throw badLine(source, e);
    throw e;
  }
}
