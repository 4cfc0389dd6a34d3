-- framekv's Lua sandbox, run once on each new Lua state (trusted code).
-- Completes the `redis` library around the Rust functions in `native`,
-- then moves every global into a private table and leaves the globals
-- table empty and read-only: scripts read globals through it, may not
-- create or change any, and an unknown name is an error, as in Redis 7.0.
local native, version, version_num = ...
local error, type, select, tostring, pairs, ipairs, setmetatable, rawset =
    error, type, select, tostring, pairs, ipairs, setmetatable, rawset
local concat = table.concat
local G = _G

local function readonly_error()
    error('Attempt to modify a readonly table', 2)
end

local function readonly(t)
    return setmetatable({}, { __index = t, __newindex = readonly_error, __metatable = false })
end

-- `native` holds the functions written in Rust: as C functions they keep
-- the calling script's frame when called in tail position (`return
-- redis.call(...)`), so errors can name the script's line. `call`,
-- `pcall` and `setresp` are set on this table for each run.
local redis = native
redis.error_reply = function(...)
    local msg = ...
    if select('#', ...) ~= 1 or type(msg) ~= 'string' then
        return { err = 'ERR wrong number or type of arguments' }
    end
    if msg:sub(1, 1) == '-' then
        msg = msg:sub(2)
    end
    if not msg:find(' ', 1, true) then
        msg = 'ERR ' .. msg
    end
    return { err = msg }
end
redis.status_reply = function(...)
    local msg = ...
    if select('#', ...) ~= 1 or type(msg) ~= 'string' then
        return { err = 'ERR wrong number or type of arguments' }
    end
    return { ok = msg }
end
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.replicate_commands = function()
    return true
end
redis.breakpoint = function()
    return false
end
redis.debug = function() end
redis.REDIS_VERSION = version
redis.REDIS_VERSION_NUM = version_num

local lib = {}
for name, value in pairs(G) do
    lib[name] = value
end
for name in pairs(lib) do
    rawset(G, name, nil)
end
for _, name in ipairs({ 'dofile', 'loadfile', 'print', 'setfenv', 'getfenv', 'require',
    'module', 'debug', 'os', 'io', 'package', 'newproxy' }) do
    lib[name] = nil
end
lib._G = G
-- Precompiled (binary) chunks could crash the interpreter: text only.
local loadstring = lib.loadstring
lib.loadstring = function(text, name)
    if type(text) == 'string' and text:byte(1) == 27 then
        return nil, 'binary chunks are not allowed'
    end
    return loadstring(text, name)
end
lib.load = function(reader, name)
    if type(reader) ~= 'function' then
        error('bad argument #1 to \'load\' (function expected)', 2)
    end
    local pieces = {}
    while true do
        local piece = reader()
        if piece == nil or piece == '' then
            break
        end
        if type(piece) ~= 'string' then
            return nil, 'reader function must return a string'
        end
        pieces[#pieces + 1] = piece
    end
    return lib.loadstring(concat(pieces), name or '=(load)')
end
lib.redis = readonly(redis)
for _, name in ipairs({ 'string', 'math', 'table', 'coroutine', 'cjson', 'bit' }) do
    if lib[name] ~= nil then
        lib[name] = readonly(lib[name])
    end
end
setmetatable(G, {
    __index = function(_, name)
        local value = lib[name]
        if value == nil then
            error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
        end
        return value
    end,
    __newindex = readonly_error,
    __metatable = false,
})
return redis
