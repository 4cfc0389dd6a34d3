//! `OBJECT ENCODING|IDLETIME|FREQ|REFCOUNT|HELP`: introspection of a key's
//! value. Never updates the key's access time. Matches Redis 7.0's
//! `objectCommand`.

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::peek_with;
use crate::keyspace::Entry;
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::{CommandSpec, Handler, KeySpecDef};

/// The `OBJECT` container and its subcommands.
pub(super) fn command() -> CommandSpec {
    let sub = |name: &'static str, handler: Handler, since: &'static str, summary: &'static str| {
        CommandSpec::new(name, 3, handler)
            .flags(&["readonly"])
            .categories(&["keyspace", "read", "slow"])
            .keys(2, 2, 1)
            .key_specs(&const { [KeySpecDef::range(&["RO"], 2, 0, 1)] })
            .tips(&["nondeterministic_output"])
            .doc("generic", since, summary, "key")
    };
    CommandSpec::container(
        "object",
        vec![
            sub(
                "object|encoding",
                encoding,
                "2.2.3",
                "Inspect the internal encoding of a Redis object",
            ),
            sub(
                "object|idletime",
                idletime,
                "2.2.3",
                "Get the time since a Redis object was last accessed",
            ),
            sub(
                "object|freq",
                freq,
                "4.0.0",
                "Get the logarithmic access frequency counter of a Redis object",
            ),
            sub(
                "object|refcount",
                refcount,
                "2.2.3",
                "Get the number of references to the value of the key",
            ),
            CommandSpec::new("object|help", 2, help)
                .flags(&["loading", "stale"])
                .categories(&["keyspace", "slow"])
                .doc(
                    "generic",
                    "6.2.0",
                    "Show helpful text about the different subcommands",
                    "",
                ),
        ],
    )
    .categories(&["slow"])
    .doc(
        "generic",
        "2.2.3",
        "A container for object introspection commands",
        "<subcommand> [<arg> ...]",
    )
}

/// Runs `f` on the live value at the key argument without touching its
/// access time (lookups still count as keyspace hits/misses, as Redis).
fn inspect<R>(ctx: &mut Ctx, args: &mut Parse, f: impl FnOnce(&Entry) -> R) -> Result<Option<R>> {
    let key = args.next_bytes()?;
    args.finish()?;
    Ok(peek_with(&mut ctx.db(), &key, ctx.now_ms, f))
}

/// True when an LFU `maxmemory-policy` is selected (counters are kept).
fn lfu_policy(ctx: &Ctx) -> bool {
    ctx.server.config.lfu.enabled()
}

/// `OBJECT ENCODING key` — `int`, `embstr`, `raw` for strings, `session`
/// for sessions ([`Value::encoding`]).
///
/// Reply: bulk string, or null when the key does not exist.
pub fn encoding(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let encoding = inspect(ctx, args, Entry::encoding)?;
    Ok(Reply::bulk_or_null(
        encoding.map(|e| bytes::Bytes::from_static(e.as_bytes())),
    ))
}

/// `OBJECT IDLETIME key` — seconds since the key was last read or written.
///
/// Reply: integer, or null when the key does not exist (checked first, as
/// Redis). Errors: Redis's text when an LFU `maxmemory-policy` is selected.
pub fn idletime(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let now = ctx.now_ms;
    let Some(idle) = inspect(ctx, args, |e| e.idle_ms(now) / 1000)? else {
        return Ok(Reply::Null);
    };
    if lfu_policy(ctx) {
        return Err(CommandError::err(
            "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    Ok(Reply::Integer(idle))
}

/// `OBJECT FREQ key` — the key's logarithmic LFU access counter (0..=255,
/// new keys start at 5), decayed to now by `lfu-decay-time`. Not an access
/// itself.
///
/// Reply: integer, or null when the key does not exist (checked first, as
/// Redis). Errors: Redis's text when no LFU policy is selected.
pub fn freq(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let now = ctx.now_ms;
    let decay_minutes = ctx.server.config.lfu.decay_minutes();
    let Some(freq) = inspect(ctx, args, |e| e.frequency(now, decay_minutes))? else {
        return Ok(Reply::Null);
    };
    if !lfu_policy(ctx) {
        return Err(CommandError::err(
            "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    Ok(Reply::Integer(i64::from(freq)))
}

/// `OBJECT REFCOUNT key` — Redis reports `2147483647` for the shared small
/// integers 0..=9999 and 1 otherwise; framekv answers the same way.
///
/// Reply: integer, or null.
pub fn refcount(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let count = inspect(ctx, args, Entry::refcount)?;
    Ok(count.map_or(Reply::Null, Reply::Integer))
}

/// `OBJECT HELP` — the subcommand list, one line per array element.
pub fn help(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    const LINES: &[&str] = &[
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];
    Ok(Reply::Array(
        LINES
            .iter()
            .map(|l| Reply::Status(l.to_string().into()))
            .collect(),
    ))
}
