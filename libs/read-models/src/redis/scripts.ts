import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script sent once per connection and then called by its SHA-1 (EVALSHA, falling back to EVAL). */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    // Arguments as one array: a large batch is not spread onto the JS call stack.
    try {
      return await redis.call('EVALSHA', [this.sha, keys.length, ...keys, ...args]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.call('EVAL', [this.source, keys.length, ...keys, ...args]);
    }
  }
}

/** Decimal log positions compared as numbers without Lua's doubles: the shorter string is the smaller one. */
const POSITION_LESS = `
local function position_less(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end
`;

/**
 * One batch of a runner or a build, all or nothing: documents, indexes, counters, parked events, the halt flag and
 * the checkpoint. Refused unless the caller still holds the lease, (live writes) the generation is still the live
 * one, and the stored checkpoint is the one the batch was computed from, so a runner that lost its lease, a
 * runner that has not yet noticed a rebuild's switch, or a second writer can neither write nor apply twice.
 *
 * KEYS: lease, live, checkpoint, parked, halted, handover, then the data keys.
 * ARGV: token, generation ('' = building, no live check), expected checkpoint ('' = none), new checkpoint
 * ('' = unchanged), halt ('' = unchanged, 'del' = clear, 'lift' = clear if no parked entry is left after this
 * write, else the JSON to set), then the parked entries to push (count, values), the parked entries to remove
 * (count, values), then per data key: kind ('h' hash, 'z' sorted set), set count, pairs (field value | score
 * member), delete count, fields; or kind 'H'/'Z' (the same, packed): all the pairs' strings joined by U+0000 in
 * one argument, delete count, fields.
 * Returns { status, handover requested (0/1), halt lifted by this write (0/1) }.
 */
export const WRITE_BATCH = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'LEASE', 0, 0} end
if ARGV[2] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[2] then return {'GENERATION', 0, 0} end
if (redis.call('GET', KEYS[3]) or '') ~= ARGV[3] then return {'CHECKPOINT', 0, 0} end
local CHUNK = 4000
local function each_chunk(command, key, values, first, count)
  local s = first
  local last = first + count - 1
  while s <= last do
    local e = math.min(s + CHUNK - 1, last)
    redis.call(command, key, unpack(values, s, e))
    s = e + 1
  end
end
local function split_packed(packed)
  local values = {}
  local n = 0
  local start = 1
  while true do
    local nul = string.find(packed, '\\0', start, true)
    n = n + 1
    if nul == nil then
      values[n] = string.sub(packed, start)
      return values
    end
    values[n] = string.sub(packed, start, nul - 1)
    start = nul + 1
  end
end
local i = 6
local pushes = tonumber(ARGV[i])
if pushes > 0 then each_chunk('RPUSH', KEYS[4], ARGV, i + 1, pushes) end
i = i + 1 + pushes
local removes = tonumber(ARGV[i])
for r = 1, removes do redis.call('LREM', KEYS[4], 1, ARGV[i + r]) end
i = i + 1 + removes
for k = 7, #KEYS do
  local kind = ARGV[i]
  local zset = kind == 'z' or kind == 'Z'
  if kind == 'Z' or kind == 'H' then
    local values = split_packed(ARGV[i + 1])
    each_chunk(zset and 'ZADD' or 'HSET', KEYS[k], values, 1, #values)
    i = i + 2
  else
    local sets = tonumber(ARGV[i + 1])
    if sets > 0 then each_chunk(zset and 'ZADD' or 'HSET', KEYS[k], ARGV, i + 2, sets * 2) end
    i = i + 2 + sets * 2
  end
  local dels = tonumber(ARGV[i])
  if dels > 0 then each_chunk(zset and 'ZREM' or 'HDEL', KEYS[k], ARGV, i + 1, dels) end
  i = i + 1 + dels
end
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4]) end
local lifted = 0
if ARGV[5] == 'del' or (ARGV[5] == 'lift' and redis.call('LLEN', KEYS[4]) == 0) then
  lifted = redis.call('DEL', KEYS[5])
elseif ARGV[5] ~= '' and ARGV[5] ~= 'lift' then
  redis.call('SET', KEYS[5], ARGV[5])
end
local handover = redis.call('GET', KEYS[6])
return {'OK', (handover and handover ~= ARGV[1]) and 1 or 0, lifted}
`);

/**
 * KEYS: lease, handover. ARGV: token, ttl ms. Takes the lease when it is free (or already ours) and no one else
 * asked for a handover. Returns 1 when held.
 */
export const ACQUIRE_LEASE = new LuaScript(`
local handover = redis.call('GET', KEYS[2])
if handover and handover ~= ARGV[1] then return 0 end
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/** KEYS: lease, handover. ARGV: token, ttl ms. Returns { still held (0/1), handover requested (0/1) }. */
export const RENEW_LEASE = new LuaScript(`
local handover = redis.call('GET', KEYS[2])
local requested = (handover and handover ~= ARGV[1]) and 1 or 0
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0, requested} end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, requested}
`);

/** KEYS: lease. ARGV: token. */
export const RELEASE_LEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * The first generation of a projection that has none, made live at once (an empty model is the truth at the
 * start of the log). KEYS: lease, live, meta. ARGV: token, generation, version, created at.
 * Returns the live generation: the new one, or the one someone else made live first.
 */
export const INIT_GENERATION = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'LEASE' end
local live = redis.call('GET', KEYS[2])
if live then return live end
redis.call('HSET', KEYS[3], 'version', ARGV[3], 'createdAt', ARGV[4], 'liveSince', ARGV[4])
redis.call('SET', KEYS[2], ARGV[2])
return ARGV[2]
`);

/**
 * Makes a built generation live, once it has caught up with the live one (readers never go back in time) and
 * unless the live one was built by a newer projection version, and makes its parked events the projection's.
 * A second run for the same generation (a reply lost and the call repeated, or ioredis resending it after a
 * reconnect) finds it live already and answers OK without touching anything: the parked list it moved is not
 * deleted, and the caller does not take its own live generation for a failed build. A generation whose meta is
 * gone is being deleted (`DROP_GENERATION_KEYS` removes it first) and is never made live.
 * KEYS: build lease, live, old checkpoint, new checkpoint, parked, new generation's parked, new meta, old meta,
 * upgrade record. ARGV: token, expected live ('' = none), new generation, now.
 * Returns OK, LEASE, RETRY (the live generation changed), BEHIND, OUTDATED (the live one is of a newer version)
 * or GONE.
 */
export const SWITCH_LIVE = new LuaScript(`
${POSITION_LESS}
local live = redis.call('GET', KEYS[2]) or ''
if live == ARGV[3] then return 'OK' end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'LEASE' end
if redis.call('EXISTS', KEYS[7]) == 0 then return 'GONE' end
if live ~= ARGV[2] then return 'RETRY' end
if live ~= '' then
  local old_version = tonumber(redis.call('HGET', KEYS[8], 'version'))
  local new_version = tonumber(redis.call('HGET', KEYS[7], 'version'))
  if old_version and new_version and old_version > new_version then return 'OUTDATED' end
  local old = redis.call('GET', KEYS[3]) or ''
  local new = redis.call('GET', KEYS[4]) or ''
  if position_less(new, old) then return 'BEHIND' end
end
redis.call('SET', KEYS[2], ARGV[3])
if redis.call('EXISTS', KEYS[6]) == 1 then
  redis.call('RENAME', KEYS[6], KEYS[5])
else
  redis.call('DEL', KEYS[5])
end
redis.call('HSET', KEYS[7], 'liveSince', ARGV[4])
-- Whatever upgrade was pending is settled: only one build runs at a time, and it deleted every other generation.
redis.call('DEL', KEYS[9])
return 'OK'
`);

/**
 * Deletes some keys of a generation, unless it is live: whatever the caller believes (a switch whose reply was
 * lost may have made it live), the live generation is never deleted. KEYS: live, then the generation's keys.
 * ARGV: generation. Returns the number of keys removed, or -1 (refused: live).
 */
export const DROP_GENERATION_KEYS = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return -1 end
if #KEYS < 2 then return 0 end
return redis.call('UNLINK', unpack(KEYS, 2))
`);

/**
 * Puts a parked entry's new error in its place (the list stays in log order), and into the halt flag when that
 * entry is what halted the generation. KEYS: lease, parked list, halted. ARGV: token, entry as stored, new entry.
 * Returns OK, LEASE or GONE (no such entry).
 */
export const REPLACE_PARKED = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'LEASE' end
local at = redis.call('LPOS', KEYS[2], ARGV[2])
if not at then return 'GONE' end
redis.call('LSET', KEYS[2], at, ARGV[3])
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('SET', KEYS[3], ARGV[3]) end
return 'OK'
`);
