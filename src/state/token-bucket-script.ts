// The token bucket as one Lua script, so a decision is one atomic round trip
// however many fairway instances share the bucket. It reads the time from
// Redis (TIME), not from the caller, so instances whose clocks disagree still
// agree on the bucket.
//
// KEYS[1] the bucket (a hash: tokens, at); ARGV average, periodMs, burst.
// Returns { allowed (0/1), remaining, retryAfterMs, resetMs }, all integers.
// The bucket expires once it would be full again: an absent bucket is a full one.
export const TOKEN_BUCKET_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local rate = tonumber(ARGV[1]) / tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1])
local at = tonumber(saved[2])
if tokens == nil or at == nil then
  tokens = burst
elseif now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
else
  -- The server's clock stepped back (a failover): no refill, and a smaller burst applies at once.
  tokens = math.min(burst, tokens)
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
local retry = 0
if tokens < 1 then retry = math.ceil((1 - tokens) / rate) end
local reset = math.ceil((burst - tokens) / rate)
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.max(reset, 1))
return { allowed, math.floor(tokens), retry, reset }
`;
