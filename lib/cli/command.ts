/** What a command may do with the outside world (so tests can run commands in-process). */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** progress of long work (done of total), shown on stderr by the CLI */
  progress?: (done: number, total: number, what: string) => void;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  help(): string;
  run(argv: readonly string[], io: CommandIO): number | Promise<number>;
}
