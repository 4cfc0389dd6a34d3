//! The Lua 5.1 interpreter scripts run in (mlua, vendored): its sandbox,
//! the script cache, and compilation.
//!
//! One interpreter serves the whole server, as in Redis: scripts run one
//! at a time (each holds every database), so they never contend for it.
//! The sandbox ([`bootstrap.lua`](./bootstrap.lua)) leaves the base, table,
//! string, math, coroutine, cjson and bit libraries and `redis`; `os`,
//! `io`, `debug`, `print`, `dofile`, `loadfile`, `require`, `setfenv` and
//! `getfenv` are gone, globals are read-only and an unknown global is an
//! error. A script that runs a long loop is checked every 100,000
//! instructions for `SCRIPT KILL`.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use mlua::chunk::ChunkMode;
use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState};

use super::status::ScriptStatus;

/// The Redis version scripts see (`redis.REDIS_VERSION`), as `INFO` reports it.
const VERSION: &str = "7.0.15";
/// [`VERSION`] as `0x00MMmmpp` (`redis.REDIS_VERSION_NUM`).
const VERSION_NUM: i64 = 0x07_00_0f;
/// The chunk name of the sandbox's own code, whose stack frames error
/// positions skip.
const SANDBOX_CHUNK: &str = "=framekv";
/// The chunk name scripts are compiled under, as Redis names them.
pub const SCRIPT_CHUNK: &str = "@user_script";
/// Instructions between two `SCRIPT KILL` checks (Redis's hook period).
const KILL_CHECK_EVERY: u32 = 100_000;
/// Memory the interpreter may hold, bytes; past it a script fails with a
/// Lua memory error instead of exhausting the server.
const MEMORY_LIMIT: usize = 1 << 30;

/// A cached script.
pub struct Script {
    /// The script's source as sent.
    pub body: Bytes,
    /// Its compiled main function.
    pub function: Function,
    /// What its shebang line says.
    pub flags: ShebangFlags,
}

/// The interpreter and what lives in it.
pub struct Vm {
    /// The interpreter.
    pub lua: Lua,
    /// The `redis` library behind its read-only view; `call`, `pcall` and
    /// `setresp` are set on it for each run.
    pub redis: Table,
    /// `xpcall(f, handler)`, from sandbox code.
    pub runner: Function,
    /// The message handler: returns `{err=, source=, line=}`.
    pub handler: Function,
    /// Scripts by lower-case SHA1 hex of their body.
    pub scripts: HashMap<String, Script>,
}

impl Vm {
    /// A fresh interpreter with the sandbox installed. Errors only if the
    /// sandbox itself fails to load (a bug).
    pub fn new(status: Arc<ScriptStatus>) -> mlua::Result<Vm> {
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::default(),
        )?;
        lua.set_memory_limit(MEMORY_LIMIT)?;
        super::libs::install(&lua)?;
        let redis: Table = lua
            .load(include_str!("bootstrap.lua"))
            .set_name(SANDBOX_CHUNK)
            .call((native_functions(&lua)?, VERSION, VERSION_NUM))?;
        let runner = lua
            .load("local xpcall = xpcall return function(f, h) return xpcall(f, h) end")
            .set_name(SANDBOX_CHUNK)
            .eval::<Function>()?;
        let handler = lua.create_function(error_info)?;
        lua.set_hook(
            HookTriggers::new().every_nth_instruction(KILL_CHECK_EVERY),
            move |_, _| {
                if status.kill_requested() {
                    return Err(mlua::Error::RuntimeError(
                        "Script killed by user with SCRIPT KILL...".into(),
                    ));
                }
                Ok(VmState::Continue)
            },
        )?;
        Ok(Vm {
            lua,
            redis,
            runner,
            handler,
            scripts: HashMap::new(),
        })
    }

    /// The cached script with this SHA1 (40 hex digits, any case).
    pub fn get(&self, sha: &str) -> Option<&Script> {
        self.scripts.get(&sha.to_ascii_lowercase())
    }

    /// Compiles `body` and caches it, unless already cached. Returns its
    /// SHA1. Errors, as Redis 7.0: `ERR Error compiling script (new
    /// function): user_script:1: ...`, and the shebang errors of
    /// [`parse_shebang`].
    pub fn load(&mut self, body: &Bytes) -> Result<String, String> {
        let sha = sha1_hex(body);
        if self.scripts.contains_key(&sha) {
            return Ok(sha);
        }
        let (source, flags) = parse_shebang(body)?;
        let function = self
            .lua
            .load(source.as_ref())
            .set_name(SCRIPT_CHUNK)
            .set_mode(ChunkMode::Text)
            .into_function()
            .map_err(|e| match e {
                mlua::Error::SyntaxError { message, .. } => {
                    format!("ERR Error compiling script (new function): {message}")
                }
                other => format!("ERR Error compiling script (new function): {other}"),
            })?;
        self.scripts.insert(
            sha.clone(),
            Script {
                body: body.clone(),
                function,
                flags,
            },
        );
        Ok(sha)
    }
}

/// An error a Rust function raises into a script: its text, error code
/// included, is the message the script fails with (`redis.call`'s
/// command error, `redis.log`'s argument errors).
#[derive(Debug)]
pub struct Raised(pub String);

impl std::fmt::Display for Raised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Raised {}

/// Raises `text` (which starts with its error code) into the script.
pub fn raise(text: impl Into<String>) -> mlua::Error {
    mlua::Error::external(Raised(text.into()))
}

/// The `redis.*` functions written in Rust, with Redis 7.0's argument
/// checks and error texts.
fn native_functions(lua: &Lua) -> mlua::Result<Table> {
    let native = lua.create_table()?;
    native.raw_set(
        "sha1hex",
        lua.create_function(|lua, args: MultiValue| {
            if args.len() != 1 {
                return Err(raise("ERR wrong number of arguments"));
            }
            let text = lua.coerce_string(args[0].clone())?;
            Ok(sha1_hex(
                &text.map(|t| t.as_bytes().to_vec()).unwrap_or_default(),
            ))
        })?,
    )?;
    native.raw_set(
        "log",
        lua.create_function(|lua, args: MultiValue| {
            if args.len() < 2 {
                return Err(raise("ERR redis.log() requires two arguments or more."));
            }
            let level = match &args[0] {
                Value::Integer(n) => *n as f64,
                Value::Number(n) => *n,
                _ => return Err(raise("ERR First argument must be a number (log level).")),
            };
            if !(0.0..=3.0).contains(&level) {
                return Err(raise("ERR Invalid debug level."));
            }
            let mut parts = Vec::new();
            for arg in args.iter().skip(1) {
                let text = lua.coerce_string(arg.clone())?;
                parts.push(text.map(|t| t.to_string_lossy()).unwrap_or_default());
            }
            let text = parts.join(" ");
            match level as i64 {
                3 => tracing::warn!(target: "lua", "{text}"),
                2 => tracing::info!(target: "lua", "{text}"),
                _ => tracing::debug!(target: "lua", "{text}"),
            }
            Ok(())
        })?,
    )?;
    native.raw_set(
        "set_repl",
        lua.create_function(|_, args: MultiValue| {
            if args.len() != 1 {
                return Err(raise("ERR redis.set_repl() requires one argument."));
            }
            match &args[0] {
                Value::Integer(0..=3) => Ok(()),
                Value::Number(n) if (0.0..=3.0).contains(n) => Ok(()),
                _ => Err(raise(
                    "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                )),
            }
        })?,
    )?;
    native.raw_set(
        "acl_check_cmd",
        lua.create_function(|lua, args: MultiValue| {
            if args.is_empty() {
                return Err(raise(
                    "ERR Please specify at least one argument for this redis lib call",
                ));
            }
            let mut argv = Vec::with_capacity(args.len());
            for arg in args {
                let text = lua.coerce_string(arg)?;
                argv.push(Bytes::copy_from_slice(
                    &text.map(|t| t.as_bytes().to_vec()).unwrap_or_default(),
                ));
            }
            if crate::dispatch::resolve(&argv).is_err() {
                return Err(raise("ERR Invalid command passed to redis.acl_check_cmd()"));
            }
            Ok(true)
        })?,
    )?;
    Ok(native)
}

/// Lower-case hex SHA1 of `data` (script ids, `redis.sha1hex`).
pub fn sha1_hex(data: &[u8]) -> String {
    sha1_smol::Sha1::from(data).digest().to_string()
}

/// What a script's Redis 7 shebang line (`#!lua flags=no-writes`) says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShebangFlags {
    /// The script has a shebang: Redis 7.0 then applies its flags to the
    /// script as a whole (an `EVAL` without `no-writes` or `allow-oom` is
    /// refused over `maxmemory`).
    pub present: bool,
    /// `no-writes`: the script may not run write commands.
    pub no_writes: bool,
    /// `allow-oom`: its writes run even over `maxmemory`.
    pub allow_oom: bool,
}

/// Reads a Redis 7 shebang line (`#!lua flags=no-writes,allow-oom`), if
/// any. Returns the source to compile (the shebang turned into a comment,
/// so line numbers stay) and its flags. Errors, as Redis 7.0: `ERR
/// Unexpected engine in script shebang: #!x`, `ERR Unexpected flag in
/// script shebang: x`, `ERR Unknown lua shebang option: x`.
pub fn parse_shebang(body: &[u8]) -> Result<(std::borrow::Cow<'_, [u8]>, ShebangFlags), String> {
    if !body.starts_with(b"#!") {
        return Ok((std::borrow::Cow::Borrowed(body), ShebangFlags::default()));
    }
    let line_end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    let line = String::from_utf8_lossy(&body[..line_end]);
    let mut words = line.split(' ').filter(|w| !w.is_empty());
    let engine = words.next().unwrap_or_default();
    if engine != "#!lua" {
        return Err(format!("ERR Unexpected engine in script shebang: {engine}"));
    }
    let mut flags = ShebangFlags {
        present: true,
        ..ShebangFlags::default()
    };
    for word in words {
        let Some(list) = word.strip_prefix("flags=") else {
            return Err(format!("ERR Unknown lua shebang option: {word}"));
        };
        for flag in list.split(',').filter(|f| !f.is_empty()) {
            match flag {
                "no-writes" => flags.no_writes = true,
                "allow-oom" => flags.allow_oom = true,
                "allow-stale" | "no-cluster" | "allow-cross-slot-keys" => {}
                other => return Err(format!("ERR Unexpected flag in script shebang: {other}")),
            }
        }
    }
    let mut source = body.to_vec();
    source[..2].copy_from_slice(b"--");
    Ok((std::borrow::Cow::Owned(source), flags))
}

/// The message handler scripts run under: turns whatever was raised into
/// `{err=text, source=chunk, line=n}`, where text starts with an error
/// code (`ERR` unless the raised value was an `{err=...}` table, as
/// `redis.call` raises) and source/line name the innermost script frame,
/// skipping C functions and the sandbox's own code.
fn error_info(lua: &Lua, raised: Value) -> mlua::Result<Table> {
    let text = match &raised {
        Value::Table(t) => match t.raw_get::<Value>("err")? {
            Value::String(s) => s.to_string_lossy(),
            Value::Integer(n) => n.to_string(),
            Value::Number(n) => crate::zset::score::fmt_score(n),
            _ => "ERR unknown error".to_string(),
        },
        Value::String(s) => format!("ERR {}", s.to_string_lossy()),
        Value::Nil => "ERR nil".to_string(),
        Value::Error(e) => innermost(e),
        other => format!("ERR {}", other.to_string().unwrap_or_default()),
    };
    let info = lua.create_table()?;
    info.raw_set("err", text)?;
    for level in 0..64 {
        let Some(frame) = lua.inspect_stack(level, |debug| {
            let source = debug.source();
            (
                source.what,
                source.source.map(|s| s.into_owned()),
                debug.current_line(),
            )
        }) else {
            break;
        };
        let (what, source, line) = frame;
        let Some(source) = source else { continue };
        if what == "C" || source == SANDBOX_CHUNK {
            continue;
        }
        info.raw_set("source", source)?;
        if let Some(line) = line {
            info.raw_set("line", line)?;
        }
        break;
    }
    Ok(info)
}

/// The message, error code first, of an error raised from Rust code
/// ([`Raised`], the kill hook, a memory error), without mlua's wrapping.
fn innermost(error: &mlua::Error) -> String {
    match error {
        mlua::Error::CallbackError { cause, .. } => innermost(cause),
        mlua::Error::ExternalError(e) => match e.downcast_ref::<Raised>() {
            Some(raised) => raised.0.clone(),
            None => format!("ERR {e}"),
        },
        mlua::Error::RuntimeError(text) => format!("ERR {text}"),
        mlua::Error::MemoryError(_) => "ERR Out of memory".to_string(),
        other => format!("ERR {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_matches_redis_for_known_bodies() {
        // Redis 7.0: SCRIPT LOAD "return 1" and redis.sha1hex('').
        assert_eq!(
            sha1_hex(b"return 1"),
            "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
        );
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    }

    #[test]
    fn shebangs_are_checked_and_keep_line_numbers() {
        let body = Bytes::from_static(b"#!lua flags=no-writes\nreturn 1");
        let (source, flags) = parse_shebang(&body).unwrap();
        assert!(flags.present && flags.no_writes && !flags.allow_oom);
        assert_eq!(&source[..], b"--lua flags=no-writes\nreturn 1");
        let python = Bytes::from_static(b"#!python\nreturn 1");
        assert_eq!(
            parse_shebang(&python).unwrap_err(),
            "ERR Unexpected engine in script shebang: #!python"
        );
        let bad = Bytes::from_static(b"#!lua flags=bad\nreturn 1");
        assert_eq!(
            parse_shebang(&bad).unwrap_err(),
            "ERR Unexpected flag in script shebang: bad"
        );
    }
}
