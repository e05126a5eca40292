/**
 * Tools some tests need that a bare machine with only Node and npm lacks: Debian's Chromium (browser tests) and
 * redis-server (replica tests). Without them those tests skip, with one line saying how to enable them. `.ci/run`
 * installs both and sets JAKAMO_KIT_REQUIRE_TOOLS=1, so in CI a missing tool fails the run instead of skipping.
 */
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for headless Chromium on a closed network, as root (see the env notes on this machine kind). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Prerequisite {
  /** Whether the tool can be used on this machine. */
  available: boolean;
  /** The one line printed when the tests that need it are skipped. */
  skipMessage: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function prerequisite(name: string, available: boolean, enable: string): Prerequisite {
  const skipMessage = `${name} is not installed: skipping the tests that need it (enable them with: ${enable})`;
  if (!available && process.env.JAKAMO_KIT_REQUIRE_TOOLS === '1') {
    throw new Error(`${name} is not installed, and JAKAMO_KIT_REQUIRE_TOOLS=1 says the tests that need it must run`);
  }
  return { available, skipMessage };
}

export const chromium = prerequisite('Chromium', executable(CHROMIUM_PATH), 'apt-get install chromium');

export const redisServer = prerequisite(
  'redis-server',
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0,
  'apt-get install redis-server',
);

/** Java 17+, which Specmatic (the `specmatic` npm package is a jar) runs on. */
export const java = prerequisite(
  'Java',
  spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0,
  'apt-get install openjdk-17-jre-headless',
);

/**
 * For a test file's top level: prints the skip line once when the tool is missing and answers whether to skip, for
 * `describe.skipIf(missing(chromium))(…)`.
 */
export function missing(prerequisite: Prerequisite): boolean {
  if (!prerequisite.available) console.warn(prerequisite.skipMessage);
  return !prerequisite.available;
}
