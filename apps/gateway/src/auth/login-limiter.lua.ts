/**
 * login-policy.ts's `attempt` in Redis, so that deciding and reserving is one atomic step shared
 * by every gateway: 40 concurrent guesses see 40 different counts. The clock is Redis's own
 * (TIME). KEYS: pair, address, user. ARGV: limit and window (ms) of each, in that order; a limit
 * of 0 leaves its key alone. Answers {1, 0, 0} (reserved), or {0, retryAfterMs, key index}.
 */
export const LOGIN_ATTEMPT_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window, fails, last = {}, {}, {}, {}
for i = 1, 3 do
  limit[i] = tonumber(ARGV[2 * i - 1])
  window[i] = tonumber(ARGV[2 * i])
  fails[i] = 0
  last[i] = 0
  if limit[i] > 0 then
    local c = redis.call('HMGET', KEYS[i], 'fails', 'last')
    local f = tonumber(c[1])
    local l = tonumber(c[2])
    if f ~= nil and l ~= nil and now - l < 2 * window[i] then
      fails[i] = f
      last[i] = l
    end
  end
end
local function backoff(f, i)
  if limit[i] <= 0 or f < limit[i] then return 0 end
  return math.min(window[i], window[i] / limit[i] * 2 ^ (f - limit[i]))
end
local waits = { last[1] + backoff(fails[1], 1) - now, last[2] + backoff(fails[2], 2) - now, 0 }
if fails[1] > 0 then waits[3] = last[1] + backoff(fails[3], 3) - now end
local worst, wait = 1, 0
for i = 1, 3 do
  if waits[i] > wait then
    worst = i
    wait = waits[i]
  end
end
if wait > 0 then return {0, math.ceil(wait), worst} end
for i = 1, 3 do
  if limit[i] > 0 then
    redis.call('HSET', KEYS[i], 'fails', tostring(fails[i] + 1), 'last', tostring(now))
    redis.call('PEXPIRE', KEYS[i], 2 * window[i])
  end
end
return {1, 0, 0}
`;

/**
 * login-policy.ts's `settle` on the three keys. ARGV: `keep`, `give_back` or `clear` for each.
 */
export const LOGIN_SETTLE_LUA = `
for i = 1, 3 do
  local how = ARGV[i]
  if how == 'clear' then
    redis.call('DEL', KEYS[i])
  elseif how == 'give_back' then
    local f = tonumber(redis.call('HGET', KEYS[i], 'fails'))
    if f ~= nil then
      if f <= 1 then redis.call('DEL', KEYS[i]) else redis.call('HSET', KEYS[i], 'fails', tostring(f - 1)) end
    end
  end
end
return 1
`;
