/**
 * One settings table per command: every setting declared once — its flag, environment variable, YAML key, type,
 * default, whether it is a secret, and its help — and read from all three sources the same way.
 *
 *   const table = defineSettings({ port: { flag: '--port <port>', env: 'JAKAMO_KIT_PORT', yaml: 'port', type: port,
 *     default: 8080, help: 'port to listen on' }, … });
 *   table.addOptions(command);                              // commander: flags, defaults and env in help, one style
 *   const values = table.resolve({ flags: table.flagsFrom(command), env: process.env, configFile });
 *
 * Precedence: flag > environment > YAML file > default. Only the value that wins is parsed, and a bad one is one line
 * naming its source (`--port: must be …`, `JAKAMO_KIT_PORT: must be …`, `config.yaml:3:7: port: must be …`); every
 * problem of a run (a missing secret, a typo in the file) is named at once, in one line. Secrets have neither flag
 * nor YAML key — the process list, shell history and files would show them — and describe() masks them.
 */
import { readFileSync } from 'node:fs';
import { Help, Option, type Command } from 'commander';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { UsageError } from './cli-support.js';
import { mask } from './secrets.js';

/** Where a value came from: the command line (a flag or an argument), the environment, or the YAML file. */
export type SettingSource = 'flag' | 'env' | 'yaml';

/** Thrown by a type's parser: the message completes "<source>: …", e.g. "must be a port number from 0 to 65535". */
export class SettingValueError extends Error {
  override name = 'SettingValueError';
}

/** Everything wrong with the settings of a run, in one line (exit 2, as every usage error). */
export class SettingsError extends UsageError {
  override name = 'SettingsError';
  constructor(
    readonly problems: readonly string[],
    /** The settings that did resolve, for a command that still reports why it cannot run (check's --output file). */
    readonly resolved: Readonly<Record<string, unknown>> = {},
  ) {
    super(problems.join('; '));
  }
}

export interface SettingType<T> {
  /** What a value must be, for errors and help: "a port number from 0 to 65535". */
  readonly expected: string;
  /**
   * A value from a flag, an argument or an environment variable (and a YAML scalar, as text). Throws
   * SettingValueError. `source` is for rules that depend on it (a Redis URL may carry a password only from the env).
   */
  parse(text: string, source: SettingSource): T;
  /** A value from the YAML file; default: a scalar (string, number, boolean) as text, through parse(). */
  fromYaml?(value: unknown): T;
  /** How a value is shown in help and describe(); default: String(value). */
  format?(value: T): string;
  /** A flag given again adds to the value instead of replacing it (lists: `--x a --x b` is `a,b`). */
  readonly repeatable?: boolean;
}

export interface SettingSpec<T> {
  type: SettingType<T>;
  /** The help line, lower case, no final period: "port to listen on". */
  help: string;
  /** commander's flags: '--port <port>' (a value) or '--strict' (a boolean type only). None for a secret. */
  flag?: string;
  /**
   * A positional argument instead of a flag, by its name in errors: '<base-url>'. The command declares it
   * (`command.argument(…)`) and passes its value in `flags` under this setting's name.
   */
  argument?: string;
  /** The environment variable. A secret must have one (it is its only source). */
  env?: string;
  /** Dotted path in the YAML file: 'port', 'openbom.timeoutMs'. None for a secret. */
  yaml?: string;
  default?: T;
  /** The default as help shows it when it is computed elsewhere: 'http://<host>:<port>'. */
  defaultHelp?: string;
  /** Without a value from any source (and no default), resolving fails and names this setting. */
  required?: boolean;
  /** From the environment only; never shown (describe() masks it). */
  secret?: boolean;
  /** describe() shows a secret as `sha256:` + 8 hex (to tell keys apart) instead of `****`: for keys and tokens only. */
  fingerprint?: boolean;
}

// `any`: a table mixes settings of every value type; each one's type is recovered by SettingValues.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySpec = SettingSpec<any>;
type ValueOf<S> = S extends SettingSpec<infer T> ? T : never;

/** The resolved values: a setting with a default or marked required always has one. */
export type SettingValues<S extends Record<string, AnySpec>> = {
  -readonly [K in keyof S]: S[K] extends { default: NonNullable<unknown> } | { required: true } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

/** Values given on the command line, by setting name (a positional argument may be put here too). */
export type FlagValues = Record<string, string | boolean | undefined>;

export interface SettingSources {
  flags?: FlagValues;
  /** Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Path of the YAML file (--config). */
  configFile?: string;
}

export interface SettingsTable<S extends Record<string, AnySpec>> {
  readonly specs: S;
  /** Declares every flag on the command, help showing the default and the variable; secrets listed after. */
  addOptions(command: Command): Command;
  /** What was given on the command line itself (not commander's defaults or its reading of the environment). */
  flagsFrom(command: Command): FlagValues;
  /** Values by precedence flag > env > YAML > default; throws SettingsError naming every problem. */
  resolve(sources: SettingSources): SettingValues<S>;
  /** The values as they may be printed or logged: secrets masked. */
  describe(values: SettingValues<S>): Record<string, unknown>;
}

/** Builds a table; a table that could leak a secret or is ambiguous is a programming error, thrown at once. */
export function defineSettings<const S extends Record<string, AnySpec>>(specs: S): SettingsTable<S> {
  const entries = Object.entries<AnySpec>(specs);
  checkTable(entries);
  const attributeOf = new Map(
    entries.filter(([, spec]) => spec.flag).map(([name, spec]) => [new Option(spec.flag!).attributeName(), name]),
  );
  return {
    specs,
    addOptions(command) {
      const required = new Set<Option>();
      for (const [, spec] of entries) {
        if (!spec.flag) continue;
        const option = new Option(spec.flag, spec.help);
        // A switch needs no default in help: present means on (and --no-x means off).
        const shownDefault =
          spec.type === boolean
            ? undefined
            : (spec.defaultHelp ?? (spec.default === undefined ? undefined : formatValue(spec, spec.default)));
        // commander renders "(default: …, env: …)"; the value it stores as default is never used (see flagsFrom).
        if (shownDefault !== undefined) option.default(spec.default ?? null, shownDefault);
        if (spec.env) option.env(spec.env);
        // The first occurrence finds commander's default (never a string here), a later one the text so far.
        if (spec.type.repeatable)
          option.argParser((value: string, previous: unknown) => (typeof previous === 'string' ? `${previous},${value}` : value));
        if (spec.required) required.add(option);
        command.addOption(option);
      }
      if (required.size > 0) {
        // Checked by resolve() with every other problem; help says so in the same parentheses as defaults.
        command.configureHelp({
          ...command.configureHelp(),
          optionDescription(this: Help, option: Option) {
            if (!required.has(option)) return Help.prototype.optionDescription.call(this, option);
            return `${option.description} (required${option.envVar ? `, env: ${option.envVar}` : ''})`;
          },
        });
      }
      const secrets = entries.filter(([, spec]) => spec.secret);
      if (secrets.length > 0) {
        const width = Math.max(...secrets.map(([, spec]) => spec.env!.length));
        const lines = secrets.map(([, spec]) => `  ${spec.env!.padEnd(width)}  ${spec.help}${spec.required ? ' (required)' : ''}`);
        command.addHelpText('after', `\nSecrets, from the environment only:\n${lines.join('\n')}\n`);
      }
      return command;
    },
    flagsFrom(command) {
      const flags: FlagValues = {};
      for (const [attribute, name] of attributeOf) {
        if (command.getOptionValueSource(attribute) === 'cli') flags[name] = command.getOptionValue(attribute) as string | boolean;
      }
      return flags;
    },
    resolve({ flags = {}, env = process.env, configFile }) {
      const problems: string[] = [];
      const file = configFile === undefined ? undefined : readYaml(configFile, entries, problems);
      const values: Record<string, unknown> = {};
      const missing: AnySpec[] = [];
      for (const [name, spec] of entries) {
        const fromFlag = spec.flag || spec.argument ? flags[name] : undefined;
        const fromEnv = spec.env ? env[spec.env] : undefined;
        const yamlNode = spec.yaml && file ? nodeAt(file.document, spec.yaml) : undefined;
        try {
          if (fromFlag !== undefined) values[name] = typeof fromFlag === 'boolean' ? fromFlag : spec.type.parse(fromFlag, 'flag');
          else if (fromEnv !== undefined && fromEnv !== '') values[name] = spec.type.parse(fromEnv, 'env');
          else if (yamlNode !== undefined) values[name] = fromYaml(spec, yamlNode);
          else if (spec.default !== undefined) values[name] = spec.default;
          else if (spec.required) missing.push(spec);
        } catch (error) {
          if (!(error instanceof SettingValueError)) throw error;
          // The value itself is not repeated: it may hold a credential (a Redis URL's password), and its source says where to look.
          if (fromFlag !== undefined) problems.push(`${flagName(spec)}: ${error.message}`);
          else if (fromEnv !== undefined && fromEnv !== '') problems.push(`${spec.env}: ${error.message}`);
          else problems.push(`${file!.at(yamlNode)}: ${spec.yaml}: ${error.message}`);
        }
      }
      if (missing.length > 0) problems.unshift(missingProblem(missing));
      if (problems.length > 0) {
        // Without the secrets: an error object may end up printed whole.
        const resolved = Object.fromEntries(Object.entries(values).filter(([name]) => !specs[name]?.secret));
        throw new SettingsError(problems, resolved);
      }
      return values as SettingValues<S>;
    },
    describe(values) {
      const shown: Record<string, unknown> = {};
      for (const [name, spec] of entries) {
        const value = (values as Record<string, unknown>)[name];
        if (value === undefined) continue;
        const hide = (secret: unknown) =>
          mask(typeof secret === 'string' ? secret : JSON.stringify(secret), { fingerprint: spec.fingerprint ?? false });
        // A list of secrets (keys during a rotation) is shown item by item, so fingerprints still tell them apart.
        shown[name] = !spec.secret ? value : Array.isArray(value) ? value.map(hide) : hide(value);
      }
      return shown;
    },
  };
}

function checkTable(entries: Array<[string, AnySpec]>): void {
  const seen = new Map<string, string>();
  const claim = (what: string, name: string) => {
    if (seen.has(what)) throw new Error(`settings: ${what} is declared by both ${seen.get(what)} and ${name}`);
    seen.set(what, name);
  };
  for (const [name, spec] of entries) {
    if (spec.secret && (spec.flag || spec.yaml)) throw new Error(`settings: ${name} is a secret: it may come only from the environment`);
    if (spec.secret && !spec.env) throw new Error(`settings: ${name} is a secret without an environment variable`);
    if (!spec.secret && spec.fingerprint) throw new Error(`settings: ${name} is not a secret; fingerprint applies to secrets`);
    if (!spec.flag && !spec.argument && !spec.env && !spec.yaml) throw new Error(`settings: ${name} has no source`);
    if (spec.flag && spec.argument) throw new Error(`settings: ${name} is both a flag and an argument`);
    if (spec.secret && spec.argument) throw new Error(`settings: ${name} is a secret: it may come only from the environment`);
    if (spec.flag && /[<[]/.test(spec.flag) === (spec.type === boolean)) {
      throw new Error(`settings: ${name}: a boolean flag takes no value, any other flag takes one (${spec.flag})`);
    }
    if (spec.flag) claim(flagName(spec), name);
    if (spec.env) claim(spec.env, name);
    if (spec.yaml) claim(`YAML ${spec.yaml}`, name);
  }
  for (const [name, spec] of entries) {
    // A setting at `openbom` would hide `openbom.url`; one path may not be the parent of another.
    if (spec.yaml && entries.some(([, other]) => other.yaml?.startsWith(`${spec.yaml}.`))) {
      throw new Error(`settings: ${name}: YAML ${spec.yaml} is the parent of another setting`);
    }
  }
}

/** How errors name the command-line source: '--port' or '<base-url>'. */
function flagName(spec: AnySpec): string {
  return spec.argument ?? spec.flag!.split(/[ ,]/)[0]!;
}

function formatValue(spec: AnySpec, value: unknown): string {
  return spec.type.format ? spec.type.format(value) : String(value);
}

/** "A, B are not set": every missing setting, by the sources it may come from. */
function missingProblem(missing: AnySpec[]): string {
  const hint = missing.some((spec) => spec.secret) ? ' (secrets come from the environment only; see --help)' : '';
  return `${missing.map(sourcesOf).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set${hint}`;
}

/** Every source a missing setting could come from. */
function sourcesOf(spec: AnySpec): string {
  if (spec.secret) return spec.env!;
  return [(spec.flag || spec.argument) && flagName(spec), spec.env, spec.yaml && `${spec.yaml} in the config file`]
    .filter(Boolean)
    .join(' or ');
}

function fromYaml(spec: AnySpec, node: Node): unknown {
  const value: unknown = isScalar(node) ? node.value : node.toJSON();
  if (spec.type.fromYaml) return spec.type.fromYaml(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return spec.type.parse(String(value), 'yaml');
  throw new SettingValueError(`must be ${spec.type.expected}`);
}

interface YamlFile {
  document: Document;
  /** `file:line:col` of a node. */
  at(node: Node | null | undefined): string;
}

/** Reads the YAML file; problems (syntax, unknown keys, secrets put in it) are added to `problems`, named by line and column. */
function readYaml(path: string, entries: Array<[string, AnySpec]>, problems: string[]): YamlFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`--config: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    return undefined;
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (node: Node | null | undefined) => {
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    return `${path}:${line}:${col}`;
  };
  const syntax = document.errors[0];
  if (syntax) {
    const { line, col } = lineCounter.linePos(syntax.pos[0]);
    problems.push(`${path}:${line}:${col}: not valid YAML: ${syntax.message.split('\n')[0]}`);
    return undefined;
  }
  if (document.contents !== null && !isMap(document.contents)) {
    problems.push(`${at(document.contents)}: expected a mapping of settings`);
    return undefined;
  }
  const paths = entries.flatMap(([, spec]) => (spec.yaml ? [spec.yaml] : []));
  // A key that looks like a secret's name ("password", "openbom_password", "apiKey" for apiKeys) is refused with a
  // pointer to its variable, so the next attempt does not put it in another file.
  const words = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');
  const secretHint = (key: string) => {
    const word = words(key);
    const secret =
      word.length >= 3 &&
      entries.find(
        ([name, spec]) => spec.secret && (words(name).includes(word) || word.includes(words(name)) || word.includes(words(spec.env!))),
      );
    return secret ? ` (a secret: set ${secret[1].env} in the environment)` : '';
  };
  const visit = (node: Node | null, prefix: string) => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const path = prefix ? `${prefix}.${key}` : key;
      if (paths.includes(path)) continue;
      if (paths.some((known) => known.startsWith(`${path}.`))) {
        if (isMap(pair.value)) visit(pair.value, path);
        else problems.push(`${at((pair.value as Node | null) ?? (pair.key as Node))}: ${path}: must be a mapping`);
        continue;
      }
      const known = paths
        .filter((p) => p.startsWith(prefix ? `${prefix}.` : ''))
        .map((p) => p.slice(prefix ? prefix.length + 1 : 0).split('.')[0]);
      problems.push(
        `${at(pair.key as Node)}: unknown setting "${path}"${secretHint(key) || ` (known: ${[...new Set(known)].join(', ')})`}`,
      );
    }
  };
  visit(document.contents, '');
  return { document, at };
}

function nodeAt(document: Document, path: string): Node | undefined {
  const node = document.getIn(path.split('.'), true) as Node | null | undefined;
  // `key:` with nothing after it, or `~`, is no value: the next source applies.
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return undefined;
  return node;
}

// Types. Each parser throws SettingValueError with "must be <expected>".

const invalid = (type: { expected: string }): never => {
  throw new SettingValueError(`must be ${type.expected}`);
};

/** A string, without surrounding blanks, not empty (YAML numbers read as text: `revision: 120` is "120"). */
export const text: SettingType<string> = {
  expected: 'a non-empty text',
  parse(value) {
    const trimmed = value.trim();
    if (trimmed === '') throw new SettingValueError('must not be empty');
    return trimmed;
  },
};

/** A whole number from `min` to `max`. */
export function integer({
  min,
  max = Number.MAX_SAFE_INTEGER,
  expected,
}: {
  min: number;
  max?: number;
  expected?: string;
}): SettingType<number> {
  const type: SettingType<number> = {
    expected:
      expected ??
      (max === Number.MAX_SAFE_INTEGER
        ? min === 0
          ? 'a whole number, 0 or more'
          : `a whole number, ${min} or more`
        : `a whole number from ${min} to ${max}`),
    parse(value) {
      if (!/^\d{1,16}$/.test(value.trim())) return invalid(type);
      const n = Number(value.trim());
      return n < min || n > max ? invalid(type) : n;
    },
  };
  return type;
}

export const port = integer({ min: 0, max: 65_535, expected: 'a port number from 0 to 65535' });
export const positiveInt = integer({ min: 1, expected: 'a whole number above 0' });
export const nonNegativeInt = integer({ min: 0 });

/** true/false (also yes/no, 1/0, on/off, any case); as a flag, present means true. */
export const boolean: SettingType<boolean> = {
  expected: 'true or false',
  parse(value) {
    const word = value.trim().toLowerCase();
    if (['true', 'yes', '1', 'on'].includes(word)) return true;
    if (['false', 'no', '0', 'off'].includes(word)) return false;
    return invalid(boolean);
  },
};

/**
 * An absolute URL with one of `protocols` (default http: and https:), without a trailing slash. With `base`, a URL
 * others are built on: no query, fragment or credentials (those come from the environment).
 */
export function url({ protocols = ['http:', 'https:'], base = false }: { protocols?: string[]; base?: boolean } = {}): SettingType<string> {
  const type: SettingType<string> = {
    expected: `an absolute ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`,
    parse(value) {
      let parsed: URL;
      try {
        parsed = new URL(value.trim());
      } catch {
        return invalid(type);
      }
      if (!protocols.includes(parsed.protocol)) return invalid(type);
      if (base && (parsed.search || parsed.hash || parsed.username || parsed.password)) {
        throw new SettingValueError('must not carry a query, fragment or credentials');
      }
      return parsed.href.replace(/\/+$/, '');
    },
  };
  return type;
}

/** An HTTP header name, a token (RFC 9110): anything else could never arrive on a request. */
export const headerName: SettingType<string> = {
  expected: 'an HTTP header name',
  parse(value) {
    const name = value.trim();
    return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) ? name : invalid(headerName);
  },
};

/** One of a few words. */
export function choice<const T extends string>(choices: readonly T[]): SettingType<T> {
  const type: SettingType<T> = {
    expected: `one of ${choices.join(', ')}`,
    parse(value) {
      return (choices as readonly string[]).includes(value.trim()) ? (value.trim() as T) : invalid(type);
    },
  };
  return type;
}

/**
 * Comma-separated on a flag or in the environment, a list (or the same text) in YAML; empty items dropped. With
 * `atLeastOne` (the name of one item), a list left empty is refused: "must list at least one catalog id".
 */
export function list<T>(item: SettingType<T>, { atLeastOne }: { atLeastOne?: string } = {}): SettingType<T[]> {
  const nonEmpty = (values: T[]): T[] => {
    if (atLeastOne !== undefined && values.length === 0) throw new SettingValueError(`must list at least one ${atLeastOne}`);
    return values;
  };
  const type: SettingType<T[]> = {
    repeatable: true,
    expected: `a comma-separated list of ${item.expected.replace(/^an? /, '')}s`,
    parse(value, source) {
      return nonEmpty(
        value
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part !== '')
          .map((part) => item.parse(part, source)),
      );
    },
    fromYaml(value) {
      if (typeof value === 'string') return type.parse(value, 'yaml');
      if (!Array.isArray(value)) return invalid(type);
      return nonEmpty(
        value.map((element) => (element === null || typeof element === 'object' ? invalid(type) : item.parse(String(element), 'yaml'))),
      );
    },
    format: (values) =>
      values.length === 0 ? 'none' : values.map((value) => (item.format ? item.format(value) : String(value))).join(','),
  };
  return type;
}
