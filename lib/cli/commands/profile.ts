import { ConfigError } from "../../util/errors";
import { didYouMean, echo, nearest } from "../../util/text";
import { loadProfile } from "../../workload/load";
import { BASE_FIELD, namedProfile, PROFILE_FIELDS, PROFILE_NAMES, PROFILES, profileJson } from "../../workload/profiles";
import { helpText, type OptionSpec, parseArgs } from "../args";
import type { Command, SubcommandSpec } from "../command";
import { formatTable } from "../format";
import { glossaryText } from "../glossary";

const OPTIONS: readonly OptionSpec[] = [
  { name: "json", kind: "bool", help: "profile list: print one JSON object (profile show always prints JSON)" },
  { name: "help", kind: "bool", help: "show help" },
];

const SUBCOMMANDS: readonly SubcommandSpec[] = [
  { name: "list", summary: "the named profiles, a line each (--json: every profile's fields)" },
  {
    name: "show",
    summary: "one profile's fields as JSON: a named profile, or a profile file resolved (its base's values with the file's overrides)",
    positionals: {
      field: "profile",
      min: 1,
      max: 1,
      value: { type: "name-or-file", values: PROFILE_NAMES, what: "a workload profile (FILE.json)", content: "workload" },
    },
  },
];
const WORDS = SUBCOMMANDS.map((s) => s.name);

function help(): string {
  const fields = Object.entries(PROFILE_FIELDS).map(([k, f]) => `  ${k.padEnd(15)} ${f.help}, ${f.min}..${f.max}`);
  return (
    helpText(
      "nestlab profile list [--json]\n       nestlab profile show NAME|FILE.json",
      "The leaf's workload profiles (docs/runs.md \"Workload profiles\").\n" +
        SUBCOMMANDS.map((s) => `  ${s.name.padEnd(5)} ${s.summary}`).join("\n") +
        "\n\nA profile file (--workload FILE.json) holds these fields, and optionally name, description and reasoning\n" +
        `(strings). With "${BASE_FIELD}": NAME it starts from that named profile and gives only the fields it changes,\n` +
        `e.g. {"${BASE_FIELD}": "io-heavy", "ioRate": 5000}; without a base every numeric field is required.\n` +
        fields.join("\n"),
      OPTIONS,
    ) + glossaryText("profile")
  );
}

export const profileCommand: Command = {
  name: "profile",
  summary: "the workload profiles: list them, or show one (named, or a file resolved against its base) as JSON",
  options: OPTIONS,
  subcommands: SUBCOMMANDS,
  help,
  run(argv, io) {
    const p = parseArgs(argv, OPTIONS, "profile");
    if (p.flags.get("help")) {
      io.out(help());
      return 0;
    }
    const [sub, ...rest] = p.positionals;
    if (sub === undefined) throw new ConfigError("command", "", "", `profile needs a sub-command: nestlab profile list, or nestlab profile show NAME|FILE.json`);
    if (!WORDS.includes(sub)) throw new ConfigError("command", sub, `profile list, profile show NAME|FILE.json${didYouMean(nearest(sub, WORDS).map((w) => `profile ${w}`))}`);
    const json = p.flags.get("json") ?? false;
    if (sub === "list") {
      const extra = rest[0];
      if (extra !== undefined) throw new ConfigError("command", extra, "", `unexpected argument '${echo(extra)}': nestlab profile list takes no argument (nestlab profile show NAME shows one)`);
      if (json) {
        io.out(JSON.stringify({ profiles: PROFILE_NAMES.map((n) => profileJson(PROFILES[n]!)) }) + "\n");
        return 0;
      }
      const rows = PROFILE_NAMES.map((n) => {
        const x = namedProfile(n)!;
        return [n, String(x.ioRate), String(x.ioUserFraction), String(x.ioIrqFraction), String(x.ipiRate), String(x.s2FaultRate), String(x.wfiRate), String(x.fpUse), String(x.timerHz), x.description];
      });
      io.out(
        formatTable(["profile", "ioRate", "ioUserFraction", "ioIrqFraction", "ipiRate", "s2FaultRate", "wfiRate", "fpUse", "timerHz", "description"], rows) +
          "\n\nnestlab profile show NAME prints one as JSON (with its reasoning); a file with \"base\": NAME overrides some of its fields\n",
      );
      return 0;
    }
    const name = rest[0];
    if (name === undefined) throw new ConfigError("profile", "", "", `profile show needs a profile: a named profile (${PROFILE_NAMES.join(", ")}) or a JSON profile file (FILE.json)`);
    const extra = rest[1];
    if (extra !== undefined) throw new ConfigError("command", extra, "", `unexpected argument '${echo(extra)}': nestlab profile show takes one profile`);
    // `--json` is accepted (the output is JSON either way)
    io.out(JSON.stringify(profileJson(loadProfile(name, "profile"))) + "\n");
    return 0;
  },
};
