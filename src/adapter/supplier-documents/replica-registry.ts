/**
 * Which `serve` processes use a data directory, so that start-up can tell a dead writer's leftovers from a live
 * one's upload in progress, and refuse a second replica that has no shared lock service.
 *
 * Each process registers `<root>/.replicas/<replica id>.json` (pid, host, start time, whether it shares the
 * directory through Redis) and touches it every HEARTBEAT_MS. A registration is alive while it was touched within
 * STALE_MS, unless it names this host and a pid that is gone (or is this very process's pid: a restarted container
 * gets pid 1 again), which is known at once. Temporary files carry their writer's replica id in their name.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

const HEARTBEAT_MS = 10_000;
/** Generous against clock differences between hosts on a shared volume (file times come from the writer's clock). */
const STALE_MS = 60_000;
const REGISTRY_DIR = '.replicas';

interface Registration {
  pid: number;
  host: string;
  startedAt: string;
  /** Registered with a shared lock service (Redis): other such replicas may use the directory too. */
  shared: boolean;
}

/** Another live process uses the data directory in a way that excludes this one. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

export interface ReplicaRegistry {
  /** This process's replica id (part of its temporary files' names). */
  readonly id: string;
  /** Whether the replica id belongs to a live process (this one included, and one registered since). */
  isLive(replicaId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Registers this process in `root`; throws DataDirInUseError when it must not share the directory. */
export async function registerReplica(root: string, { shared }: { shared: boolean }): Promise<ReplicaRegistry> {
  const directory = join(root, REGISTRY_DIR);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const id = randomUUID();
  const own: Registration = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), shared };
  const ownPath = join(directory, `${id}.json`);
  const handle = await open(ownPath, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(own));
  } finally {
    await handle.close();
  }

  const live = new Set<string>([id]);
  for (const name of await readdir(directory)) {
    const otherId = name.replace(/\.json$/, '');
    if (otherId === id || !name.endsWith('.json')) continue;
    const other = await readRegistration(join(directory, name));
    if (other && isAlive(other.registration, other.touchedAt)) {
      live.add(otherId);
      if (!shared || !other.registration.shared) {
        await unlink(ownPath).catch(() => undefined);
        const { pid, host, startedAt } = other.registration;
        throw new DataDirInUseError(
          `--data-dir is in use by another jakamo-kit serve (pid ${pid} on ${host}, started ${startedAt}); run one replica per data dir, or share it between replicas with --state-url redis://…`,
        );
      }
    } else {
      // Dead (or unreadable: a crash while registering): its record goes, its temporary files with it below.
      await unlink(join(directory, name)).catch(() => undefined);
    }
  }

  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(ownPath, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    id,
    async isLive(replicaId) {
      if (live.has(replicaId)) return true;
      // Registered after this process looked: a replica starting at the same time.
      const other = /^[0-9a-f-]{36}$/.test(replicaId) ? await readRegistration(join(directory, `${replicaId}.json`)) : undefined;
      if (!other || !isAlive(other.registration, other.touchedAt)) return false;
      live.add(replicaId);
      return true;
    },
    async close() {
      clearInterval(heartbeat);
      await unlink(ownPath).catch(() => undefined);
    },
  };
}

async function readRegistration(path: string): Promise<{ registration: Registration; touchedAt: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const data = JSON.parse(text) as Partial<Registration>;
    if (typeof data.pid !== 'number' || typeof data.host !== 'string' || typeof data.startedAt !== 'string') return undefined;
    return {
      registration: { pid: data.pid, host: data.host, startedAt: data.startedAt, shared: data.shared === true },
      touchedAt: info.mtimeMs,
    };
  } catch {
    return undefined;
  }
}

function isAlive({ pid, host }: Registration, touchedAt: number): boolean {
  if (Date.now() - touchedAt > STALE_MS) return false;
  if (host !== hostname()) return true;
  // On this host: this pid is ours now, so the record is a previous life of this process (a restarted container).
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
