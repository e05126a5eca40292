import type { Redis, Result } from 'ioredis';

/**
 * The Lua scripts the Redis state runs; each is atomic on the server. Time comes from Redis (TIME), so replicas
 * whose clocks disagree still count one window. ioredis sends them by SHA and reloads them after a Redis restart.
 */
const SCRIPTS = {
  /**
   * Permits: KEYS[1] a sorted set of the permits in use or cooling down, scored with when each is free again;
   * KEYS[2] the pause-until time; KEYS[3] a marker that this Redis remembers its permits; KEYS[4] a sorted set of
   * the replicas with foreground callers waiting, scored with when that stops being true unless renewed.
   * ARGV: limit, window ms, a unique member, the longest a request takes (ms), how soon to look again while every
   * permit is in flight (ms), the priority (`foreground` or `background`), the replica, how many more foreground
   * callers wait in that replica. Answers 0 (permit taken by the member) or the ms to wait before asking again.
   */
  jakamoTakePermit: {
    numberOfKeys: 4,
    lua: `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
local foreground = ARGV[6] == 'foreground'
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
-- A refused foreground caller marks its replica as waiting until it asks again (with a window to spare), so that
-- the background callers of every replica keep off the permits meanwhile.
local function refuse(wait)
  if foreground then
    redis.call('ZADD', KEYS[4], now + wait + window, ARGV[7])
    redis.call('PEXPIRE', KEYS[4], 120000)
  end
  return wait
end
if redis.call('EXISTS', KEYS[3]) == 0 then
  -- A Redis that restarted empty (or was flushed) cannot know which permits were used lately: one window's pause.
  redis.call('SET', KEYS[3], '1', 'PX', 86400000)
  local untilMs = math.max(now + window, tonumber(redis.call('GET', KEYS[2]) or '0'))
  redis.call('SET', KEYS[2], untilMs, 'PX', untilMs - now)
  return refuse(untilMs - now)
end
redis.call('PEXPIRE', KEYS[3], 86400000)
local pausedUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < pausedUntil then return refuse(pausedUntil - now) end
if not foreground then
  -- This replica has no foreground caller waiting (else it would not ask for a background one).
  redis.call('ZREM', KEYS[4], ARGV[7])
  if redis.call('ZCARD', KEYS[4]) > 0 then return tonumber(ARGV[5]) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  -- In use until answered; if its replica dies, free once the longest request would be answered and a window passed.
  local hold = tonumber(ARGV[4]) + window
  redis.call('ZADD', KEYS[1], now + hold, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], hold)
  if foreground then
    if tonumber(ARGV[8]) > 0 then refuse(0) else redis.call('ZREM', KEYS[4], ARGV[7]) end
  end
  return 0
end
local wait = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]) - now
-- Further than a window away means every permit is in flight, and an answer can come any moment.
if wait > window then return refuse(tonumber(ARGV[5])) end
return refuse(math.max(1, wait))`,
  },
  /** KEYS[1] the permits; ARGV: a member, window ms. The member's permit is free again one window from now. */
  jakamoReturnPermit: {
    numberOfKeys: 1,
    lua: `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
return 0`,
  },
  /** KEYS[1] the pause-until time; ARGV[1] ms. Extends the pause, never shortens it. */
  jakamoPause: {
    numberOfKeys: 1,
    lua: `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
if untilMs > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], untilMs, 'PX', ARGV[1])
end
return 0`,
  },
  /** KEYS[1] a lock; ARGV: its owner, a channel. If still owned: deletes it and announces its name on the channel. */
  jakamoReleaseLock: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], KEYS[1])
end
return 0`,
  },
  /** KEYS[1] a lock; ARGV: its owner, ms. Extends it, if still owned. */
  jakamoExtendLock: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`,
  },
} as const;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    jakamoTakePermit(
      permits: string,
      pause: string,
      remembered: string,
      foregroundWaiting: string,
      limit: number,
      windowMs: number,
      member: string,
      maxRequestMs: number,
      pollMs: number,
      priority: 'foreground' | 'background',
      replica: string,
      foregroundQueued: number,
    ): Result<number, Context>;
    jakamoReturnPermit(permits: string, member: string, windowMs: number): Result<number, Context>;
    jakamoPause(pause: string, ms: number): Result<number, Context>;
    jakamoReleaseLock(lock: string, owner: string, channel: string): Result<number, Context>;
    jakamoExtendLock(lock: string, owner: string, ms: number): Result<number, Context>;
  }
}

export function defineScripts(redis: Redis): void {
  for (const [name, script] of Object.entries(SCRIPTS)) redis.defineCommand(name, script);
}
