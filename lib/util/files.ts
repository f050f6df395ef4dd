import { randomBytes } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  rmdirSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { ConfigError, OutputClosed } from "./errors";

/**
 * Files the command line reads and writes, with the rules of docs/cli.md "Files":
 *
 * - An input is a regular file, opened without blocking (a FIFO, device, directory or socket is refused at once,
 *   never waited on) and read up to a size bound.
 * - A file output is checked before any work is done. A regular file (or a new one) is written to a temporary file
 *   created exclusively under a unique name in the same directory (so a symlink planted there is never followed and
 *   two writers never share one), fsync'd, renamed over the target and the directory fsync'd: the target is complete
 *   or untouched. A character device or a FIFO is written straight into; a FIFO nobody reads is refused instead of
 *   waited on. The process's own stdout or stderr (`--out /dev/stdout`), whatever it is (a pipe, a socket, a
 *   terminal, a file), is written through. Directories, sockets, block devices and dangling symlinks are refused.
 * - Temporary files are removed on SIGINT, SIGTERM and SIGHUP (while any exists, the handlers below are installed).
 * - A directory output is checked (it or its first existing ancestor is a writable directory) before any work, and
 *   created one component at a time (Node's recursive mkdir loops forever where mkdir fails with ENOENT, as in /proc).
 */

/** Input JSON files (costs, grids, workload profiles) are at most this large. */
export const INPUT_MAX_BYTES = 16 * 1024 * 1024;
/** A sweep's results.json is at most this large (V8's longest string is ~512 M characters). */
export const RESULTS_MAX_BYTES = 512 * 1024 * 1024;

const errno = (e: unknown): string | undefined => (e instanceof Error && "code" in e ? String((e as NodeJS.ErrnoException).code) : undefined);

/** A system error in words. */
export function reason(e: unknown): string {
  switch (errno(e)) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOTDIR":
      return "a component of the path is not a directory";
    case "EISDIR":
      return "it is a directory";
    case "ELOOP":
      return "too many levels of symbolic links";
    case "ENAMETOOLONG":
      return "the name is too long";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on the device";
    case "EEXIST":
      return "it exists";
    case "ENXIO":
      return "no reader has the FIFO open";
    default:
      return errno(e) ?? (e instanceof Error ? e.message : String(e));
  }
}

/** "a directory", "a FIFO", ... */
export function fileKind(st: Stats): string {
  if (st.isFile()) return "a regular file";
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isSymbolicLink()) return "a symbolic link";
  return "not a regular file";
}

/**
 * Opens an input file for reading: a regular file, opened with O_NONBLOCK so that a FIFO without a writer does not
 * hold the open (it is then refused for what it is). Anything else is a ConfigError on `field` saying what the path
 * is; `hint` follows that (e.g. "save a stream to a file first"). The caller closes the descriptor.
 */
export function openInputFile(file: string, field: string, what: string, hint = ""): { fd: number; st: Stats } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new ConfigError(field, file, `a readable file: ${what} (${reason(e)})`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new ConfigError(field, file, `a regular file: ${what} (this is ${fileKind(st)}${hint ? `; ${hint}` : ""})`);
  }
  return { fd, st };
}

/**
 * Reads an input file as UTF-8 text: a regular file of at most `maxBytes`. Anything else is a ConfigError on `field`
 * saying what the path is; nothing ever blocks (the file is opened with O_NONBLOCK, so a FIFO without a writer does not
 * hold the open, and is then refused for what it is).
 */
export function readInputFile(file: string, field: string, what: string, maxBytes = INPUT_MAX_BYTES): string {
  const { fd, st } = openInputFile(file, field, what);
  try {
    const tooBig = (): ConfigError => new ConfigError(field, file, `a file of at most ${maxBytes} bytes: ${what}`);
    if (st.size > maxBytes) throw tooBig();
    // read to the end, whatever the size says (files under /proc say 0)
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        throw new ConfigError(field, file, `a readable file: ${what} (${reason(e)})`);
      }
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw tooBig();
      chunks.push(buf.subarray(0, n));
    }
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** Reads and parses an input JSON file (see readInputFile); invalid JSON is a ConfigError on `field`. */
export function readJsonInput(file: string, field: string, what: string, maxBytes = INPUT_MAX_BYTES): unknown {
  const text = readInputFile(file, field, what, maxBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ConfigError(field, file, `${what} (the file is not valid JSON)`);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Temporary files, removed on a terminating signal

const temps = new Set<string>();
const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let installed = false;

function onSignal(sig: NodeJS.Signals): void {
  removeTemps();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  installed = false;
  // die of the signal, as without a handler (the shell then reports it as such)
  process.kill(process.pid, sig);
}

function track(path: string): void {
  temps.add(path);
  if (!installed) {
    for (const s of SIGNALS) process.on(s, onSignal);
    installed = true;
  }
}

function untrack(path: string): void {
  temps.delete(path);
  if (temps.size === 0 && installed) {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    installed = false;
  }
}

/** Removes every temporary file still open (on a signal, or when stdout closes under us). */
export function removeTemps(): void {
  for (const t of temps) {
    try {
      unlinkSync(t);
    } catch {
      // gone already
    }
  }
  temps.clear();
}

/** A unique temporary name beside `target`: `.NAME.PID.RANDOM.tmp` (hidden, never predictable). */
export function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/** fsync a directory, so that a rename inside it survives a crash (some file systems refuse: then nothing to do). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // a file system without directory fsync
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeAll(fd: number, buf: Uint8Array): number {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      const code = errno(e);
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2); // a full pipe: wait for its reader
        continue;
      }
      if (code === "EPIPE") throw new OutputClosed();
      throw e;
    }
  }
  return buf.length;
}

/** Creates a temporary file beside `target` exclusively (O_EXCL: never through a planted symlink) and tracks it. */
function createTemp(target: string, mode: number, field: string, shown: string): { fd: number; tmp: string } {
  for (let attempt = 0; ; attempt++) {
    const tmp = tempName(target);
    // tracked (and the signal handlers installed) before the file exists: a signal that lands just after the open
    // still finds it to remove (without a handler, Node would die of it at once and leave the file behind)
    track(tmp);
    try {
      const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
      return { fd, tmp };
    } catch (e) {
      untrack(tmp);
      if (errno(e) === "EEXIST" && attempt < 8) continue;
      throw new ConfigError(field, shown, `a writable file path (${reason(e)} in ${dirname(target)})`);
    }
  }
}

/** Writes a complete file atomically: unique exclusive temporary file, fsync, rename over `file`, fsync of the directory. */
export function writeFileAtomic(file: string, data: string | Uint8Array, field = "out"): void {
  const mode = existingMode(file);
  const { fd, tmp } = createTemp(file, mode, field, file);
  try {
    writeAll(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
    untrack(tmp);
  } catch (e) {
    abortTemp(fd, tmp);
    throw e;
  }
  fsyncDir(dirname(file));
}

function abortTemp(fd: number | undefined, tmp: string): void {
  if (fd !== undefined) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
  }
  try {
    unlinkSync(tmp);
  } catch {
    // nothing to remove
  }
  untrack(tmp);
}

/** the permission bits of an existing regular file (kept by the file that replaces it), else 0o666 (less the umask) */
function existingMode(file: string): number {
  try {
    const st = statSync(file);
    return st.isFile() ? st.mode & 0o7777 : 0o666;
  } catch {
    return 0o666;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// File outputs

/** Where an output file goes, as checked before any work is done. */
export type OutputTarget =
  /** a regular file (new or replaced), at its real path (symlinks resolved, so a symlink given is kept) */
  | { readonly kind: "file"; readonly path: string }
  /** a character device or a FIFO, or the process's own stdout or stderr (`fd`): written straight into */
  | { readonly kind: "stream"; readonly path: string; readonly what: string; readonly fd?: number };

/** The process's own stdout or stderr, when `st` is the file it has open (`--out /dev/stdout`, `/dev/fd/2`, ...). */
function ownStream(st: Stats): number | undefined {
  for (const fd of [1, 2]) {
    try {
      const s = fstatSync(fd);
      if (s.dev === st.dev && s.ino === st.ino && s.rdev === st.rdev) return fd;
    } catch {
      // not open
    }
  }
  return undefined;
}

/** Checks that `path` can be written as an output file (see the header); throws a ConfigError on `field` if not. */
export function checkOutputFile(path: string, field: string): OutputTarget {
  const bad = (why: string): ConfigError => new ConfigError(field, path, `a writable file path (${why})`);
  if (path.endsWith("/")) throw bad("a file name, not a directory");
  try {
    // the process's own stdout or stderr (whatever it is: a pipe, a socket, a terminal, a file): written through it
    const fd = ownStream(statSync(path));
    if (fd !== undefined) return { kind: "stream", path: resolve(path), what: fd === 1 ? "stdout" : "stderr", fd };
  } catch {
    // no such file yet, or a dangling link: checked below
  }
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if (errno(e) !== "ENOENT") throw bad(reason(e));
    checkWritableDir(dirname(resolve(path)), bad);
    return { kind: "file", path: resolve(path) };
  }
  let real = resolve(path);
  if (st.isSymbolicLink()) {
    try {
      st = statSync(path);
    } catch (e) {
      throw bad(errno(e) === "ENOENT" ? "a symbolic link to a missing file" : reason(e));
    }
    // a device or FIFO is opened through the link (/dev/stdout -> /proc/self/fd/1 -> pipe:[N] has no real path)
    if (st.isCharacterDevice() || st.isFIFO()) return { kind: "stream", path: resolve(path), what: fileKind(st) };
    try {
      real = realpathSync(path);
    } catch (e) {
      throw bad(reason(e));
    }
  }
  if (st.isFile()) {
    checkWritableDir(dirname(real), bad);
    return { kind: "file", path: real };
  }
  if (st.isCharacterDevice() || st.isFIFO()) return { kind: "stream", path: real, what: fileKind(st) };
  throw bad(`this is ${fileKind(st)}`);
}

function checkWritableDir(dir: string, bad: (why: string) => ConfigError): void {
  let st: Stats;
  try {
    st = statSync(dir);
  } catch (e) {
    throw bad(errno(e) === "ENOENT" ? `the directory ${dir} does not exist` : `${dir}: ${reason(e)}`);
  }
  if (!st.isDirectory()) throw bad(`${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw bad(`${dir}: ${reason(e)}`);
  }
}

/** An output file being written: buffered, streamed into its temporary file (or device), committed or aborted. */
export interface OutputFile {
  /** bytes written so far */
  readonly bytes: number;
  write(s: string): void;
  /** writes what is buffered; a regular file is moved into place */
  commit(): void;
  /** a regular file's temporary file is removed (the target is untouched); a stream is closed */
  abort(): void;
}

const CHUNK = 1 << 20;

/**
 * Opens an output file checked by checkOutputFile (or checks it now). A FIFO is first opened without blocking: with no
 * reader that fails at once (ENXIO) and is refused as a ConfigError; with one, it is reopened to write normally.
 */
export function openOutputFile(path: string, field: string, target: OutputTarget = checkOutputFile(path, field)): OutputFile {
  let fd: number | undefined;
  let tmp: string | undefined;
  if (target.kind === "file") {
    ({ fd, tmp } = createTemp(target.path, existingMode(target.path), field, path));
  } else if (target.fd !== undefined) {
    fd = target.fd;
  } else {
    let probe: number;
    try {
      probe = openSync(target.path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      const why = errno(e) === "ENXIO" ? `${target.what} that nobody reads` : `${target.what}: ${reason(e)}`;
      throw new ConfigError(field, path, `a writable file path (${why})`);
    }
    fd = probe;
    try {
      // a reader is there: a blocking descriptor waits for it when the pipe is full rather than failing
      fd = openSync(target.path, constants.O_WRONLY);
      closeSync(probe);
    } catch {
      fd = probe;
    }
  }
  let parts: string[] = [];
  let size = 0;
  let bytes = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    if (fd === undefined) throw new Error(`${path}: write after close`);
    bytes += writeAll(fd, Buffer.from(parts.join(""), "utf8"));
    parts = [];
    size = 0;
  };
  return {
    get bytes() {
      return bytes;
    },
    write(s: string): void {
      parts.push(s);
      size += s.length;
      if (size >= CHUNK) flush();
    },
    commit(): void {
      flush();
      if (fd === undefined) return;
      const f = fd;
      fd = undefined;
      if (tmp !== undefined) {
        fsyncSync(f);
        closeSync(f);
        renameSync(tmp, target.path);
        untrack(tmp);
        fsyncDir(dirname(target.path));
      } else if (target.kind === "stream" && target.fd === undefined) {
        closeSync(f);
      }
    },
    abort(): void {
      parts = [];
      const f = fd;
      fd = undefined;
      if (tmp !== undefined) abortTemp(f, tmp);
      else if (f !== undefined && target.kind === "stream" && target.fd === undefined) {
        try {
          closeSync(f);
        } catch {
          // closed already
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Directory outputs

/**
 * Checks that `dir` is, or can be created as, a writable directory: an existing path must be a directory (through
 * symlinks; a dangling one is refused); a missing one needs its first existing ancestor to be a writable directory.
 * Returns whether it exists. Writes nothing.
 */
export function checkOutputDir(dir: string, field: string, accepted = "a directory"): boolean {
  const bad = (why: string): ConfigError => new ConfigError(field, dir, `${accepted} (${why})`);
  const abs = resolve(dir);
  let st: Stats | undefined;
  try {
    st = statSync(abs);
  } catch (e) {
    const code = errno(e);
    if (code === "ENOENT") {
      let isLink = false;
      try {
        isLink = lstatSync(abs).isSymbolicLink();
      } catch {
        // missing: fine
      }
      if (isLink) throw bad("a symbolic link to a missing directory");
    } else if (code !== "ENOTDIR") throw bad(reason(e));
  }
  if (st) {
    if (!st.isDirectory()) throw bad(`this is ${fileKind(st)}`);
    try {
      accessSync(abs, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (e) {
      throw bad(reason(e));
    }
    return true;
  }
  // the first existing ancestor must be a writable directory
  for (let p = dirname(abs); ; p = dirname(p)) {
    let a: Stats;
    try {
      a = statSync(p);
    } catch (e) {
      const code = errno(e);
      if (code === "ENOENT") {
        let isLink = false;
        try {
          isLink = lstatSync(p).isSymbolicLink();
        } catch {
          // missing
        }
        if (isLink) throw bad(`${p} is a symbolic link to a missing directory`);
        if (dirname(p) === p) throw bad(reason(e));
        continue;
      }
      if (code === "ENOTDIR") continue; // a file further up: found when we get there
      throw bad(`${p}: ${reason(e)}`);
    }
    if (!a.isDirectory()) throw bad(`${p} is ${fileKind(a)}, not a directory`);
    try {
      accessSync(p, constants.W_OK | constants.X_OK);
    } catch (e) {
      throw bad(`${p}: ${reason(e)}`);
    }
    return false;
  }
}

/**
 * Creates `dir` and its missing parents one at a time; on failure removes what it created and throws a ConfigError.
 * Returns the directories it created, outermost first (removeDirs undoes it).
 */
export function makeDirs(dir: string, field: string, accepted = "a directory"): string[] {
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    let exists = true;
    try {
      statSync(p);
    } catch {
      exists = false;
    }
    if (exists || dirname(p) === p) break;
    missing.unshift(p);
  }
  const made: string[] = [];
  try {
    for (const p of missing) {
      mkdirSync(p);
      made.push(p);
    }
  } catch (e) {
    for (const p of made.reverse()) {
      try {
        rmdirSync(p);
      } catch {
        // leave it
      }
    }
    throw new ConfigError(field, dir, `${accepted} (cannot create it: ${reason(e)})`);
  }
  return made;
}

/** Removes directories made by makeDirs (innermost first), if they are still empty. */
export function removeDirs(made: readonly string[]): void {
  for (const p of [...made].reverse()) {
    try {
      rmdirSync(p);
    } catch {
      // not empty, or gone: leave it
    }
  }
}

/** The regular file at `path` (no symlink, directory or device in its place); false when absent. */
export function isRegularOrAbsent(path: string): { exists: boolean; regular: boolean; what: string } {
  try {
    const st = lstatSync(path);
    return { exists: true, regular: st.isFile(), what: fileKind(st) };
  } catch {
    return { exists: false, regular: false, what: "absent" };
  }
}
