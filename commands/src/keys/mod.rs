//! The keys (generic) family (Redis's `db.c` and `expire.c` commands): DEL,
//! UNLINK, EXISTS, TYPE, TOUCH, the EXPIRE/TTL group, PERSIST, KEYS, SCAN,
//! RANDOMKEY, RENAME, RENAMENX, COPY, MOVE and OBJECT.
//!
//! These commands work on every value type through [`Value`] (strings and
//! sessions alike). Every table entry (arity, flags, ACL categories, key
//! positions, docs) matches Redis 7.0's `COMMAND INFO` and `COMMAND DOCS`.

mod basic;
mod expire;
mod object;
mod rename;
mod scan;

use crate::error::{CommandError, Result};
use crate::keyspace::{Db, Entry, StringValue, Value};
use crate::parse::parse_i64;
use crate::table::{CommandSpec, KeySpecDef};

/// Looks `key` up for a read command and applies `f` to its live entry,
/// updating the access time and counting a keyspace hit or miss (`INFO stats`
/// `keyspace_hits/misses`), as Redis's `lookupKeyRead`.
pub(crate) fn read_with<R>(
    db: &mut Db,
    key: &[u8],
    now_ms: i64,
    f: impl FnOnce(&mut Entry) -> R,
) -> Option<R> {
    let result = db.get(key, now_ms).map(f);
    count_lookup(db, result.is_some());
    result
}

/// Like [`read_with`] without touching the access time (Redis's
/// `LOOKUP_NOTOUCH`: `EXISTS`, `TYPE`, `TTL`, `OBJECT`).
pub(crate) fn peek_with<R>(
    db: &mut Db,
    key: &[u8],
    now_ms: i64,
    f: impl FnOnce(&Entry) -> R,
) -> Option<R> {
    let result = db.peek(key, now_ms).map(f);
    count_lookup(db, result.is_some());
    result
}

fn count_lookup(db: &mut Db, hit: bool) {
    if hit {
        db.hits += 1;
    } else {
        db.misses += 1;
    }
}

/// The string of a string value (its bytes through `Deref`; cloned to
/// share it, `to_bytes` for a reply). Error: WRONGTYPE for any other type.
pub(crate) fn string_of(value: &Value) -> Result<&StringValue> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(CommandError::wrong_type()),
    }
}

/// A database index argument (`MOVE`, `COPY ... DB`), checked against the
/// `count` databases. Errors, as Redis 7.0: `ERR value is not an integer or
/// out of range`; `ERR value is out of range, value must between
/// -2147483648 and 2147483647` beyond a C `int`; `ERR DB index is out of
/// range`.
pub(crate) fn parse_db_index(raw: &[u8], count: usize) -> Result<usize> {
    let index = parse_i64(raw).ok_or_else(CommandError::not_integer)?;
    if i32::try_from(index).is_err() {
        return Err(CommandError::err(
            "value is out of range, value must between -2147483648 and 2147483647",
        ));
    }
    usize::try_from(index)
        .ok()
        .filter(|&i| i < count)
        .ok_or_else(|| CommandError::err("DB index is out of range"))
}

/// The keys family's commands.
pub fn commands() -> Vec<CommandSpec> {
    const READ_FAST: &[&str] = &["keyspace", "read", "fast"];
    const WRITE_FAST: &[&str] = &["keyspace", "write", "fast"];
    const READ_SLOW: &[&str] = &["keyspace", "read", "slow"];
    const WRITE_SLOW: &[&str] = &["keyspace", "write", "slow"];
    vec![
        CommandSpec::new("del", -2, basic::del)
            .key_specs(&const { [KeySpecDef::range(&["RM", "delete"], 1, -1, 1)] })
            .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
            .flags(&["write"])
            .categories(WRITE_SLOW)
            .keys(1, -1, 1)
            .doc("generic", "1.0.0", "Delete a key", "key [key ...]"),
        CommandSpec::new("unlink", -2, basic::unlink)
            .key_specs(&const { [KeySpecDef::range(&["RM", "delete"], 1, -1, 1)] })
            .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, -1, 1)
            .doc(
                "generic",
                "4.0.0",
                "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
                "key [key ...]",
            ),
        CommandSpec::new("exists", -2, basic::exists)
            .key_specs(&const { [KeySpecDef::range(&["RO"], 1, -1, 1)] })
            .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, -1, 1)
            .doc("generic", "1.0.0", "Determine if a key exists", "key [key ...]"),
        CommandSpec::new("type", 2, basic::type_of)
            .key_specs(&const { [KeySpecDef::range(&["RO"], 1, 0, 1)] })
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc("generic", "1.0.0", "Determine the type stored at key", "key"),
        CommandSpec::new("touch", -2, basic::touch)
            .key_specs(&const { [KeySpecDef::range(&["RO"], 1, -1, 1)] })
            .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, -1, 1)
            .doc(
                "generic",
                "3.2.1",
                "Alters the last access time of a key(s). Returns the number of existing keys specified.",
                "key [key ...]",
            ),
        CommandSpec::new("expire", -3, expire::expire)
            .key_specs(&const { [KeySpecDef::range(&["RW", "update"], 1, 0, 1)] })
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("generic", "1.0.0", "Set a key's time to live in seconds", "key seconds [NX | XX | GT | LT]"),
        CommandSpec::new("pexpire", -3, expire::pexpire)
            .key_specs(&const { [KeySpecDef::range(&["RW", "update"], 1, 0, 1)] })
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("generic", "2.6.0", "Set a key's time to live in milliseconds", "key milliseconds [NX | XX | GT | LT]"),
        CommandSpec::new("expireat", -3, expire::expireat)
            .key_specs(&const { [KeySpecDef::range(&["RW", "update"], 1, 0, 1)] })
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "generic",
                "1.2.0",
                "Set the expiration for a key as a UNIX timestamp",
                "key unix-time-seconds [NX | XX | GT | LT]",
            ),
        CommandSpec::new("pexpireat", -3, expire::pexpireat)
            .key_specs(&const { [KeySpecDef::range(&["RW", "update"], 1, 0, 1)] })
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "generic",
                "2.6.0",
                "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
                "key unix-time-milliseconds [NX | XX | GT | LT]",
            ),
        CommandSpec::new("ttl", 2, expire::ttl)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1)] })
            .tips(&["nondeterministic_output"])
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc("generic", "1.0.0", "Get the time to live for a key in seconds", "key"),
        CommandSpec::new("pttl", 2, expire::pttl)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1)] })
            .tips(&["nondeterministic_output"])
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc("generic", "2.6.0", "Get the time to live for a key in milliseconds", "key"),
        CommandSpec::new("expiretime", 2, expire::expiretime)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1)] })
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc("generic", "7.0.0", "Get the expiration Unix timestamp for a key", "key"),
        CommandSpec::new("pexpiretime", 2, expire::pexpiretime)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1)] })
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc("generic", "7.0.0", "Get the expiration Unix timestamp for a key in milliseconds", "key"),
        CommandSpec::new("persist", 2, expire::persist)
            .key_specs(&const { [KeySpecDef::range(&["RW", "update"], 1, 0, 1)] })
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("generic", "2.2.0", "Remove the expiration from a key", "key"),
        CommandSpec::new("keys", 2, scan::keys)
            .tips(&["request_policy:all_shards", "nondeterministic_output_order"])
            .flags(&["readonly"])
            .categories(&["keyspace", "read", "slow", "dangerous"])
            .doc("generic", "1.0.0", "Find all keys matching the given pattern", "pattern"),
        CommandSpec::new("scan", -2, scan::scan)
            .tips(&["nondeterministic_output", "request_policy:special"])
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .doc(
                "generic",
                "2.8.0",
                "Incrementally iterate the keys space",
                "cursor [MATCH pattern] [COUNT count] [TYPE type]",
            ),
        CommandSpec::new("randomkey", 1, scan::randomkey)
            .tips(&["request_policy:all_shards", "nondeterministic_output"])
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .doc("generic", "1.0.0", "Return a random key from the keyspace", ""),
        CommandSpec::new("rename", 3, rename::rename)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "delete"], 1, 0, 1), KeySpecDef::range(&["OW", "update"], 2, 0, 1)] })
            .flags(&["write"])
            .categories(WRITE_SLOW)
            .keys(1, 2, 1)
            .doc("generic", "1.0.0", "Rename a key", "key newkey"),
        CommandSpec::new("renamenx", 3, rename::renamenx)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "delete"], 1, 0, 1), KeySpecDef::range(&["OW", "insert"], 2, 0, 1)] })
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 2, 1)
            .doc("generic", "1.0.0", "Rename a key, only if the new key does not exist", "key newkey"),
        CommandSpec::new("copy", -3, rename::copy)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1), KeySpecDef::range(&["OW", "update"], 2, 0, 1)] })
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, 2, 1)
            .doc("generic", "6.2.0", "Copy a key", "source destination [DB destination-db] [REPLACE]"),
        CommandSpec::new("move", 3, rename::move_key)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "update"], 1, 0, 1)] })
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("generic", "1.0.0", "Move a key to another database", "key db"),
        object::command(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_index_errors_match_redis() {
        assert_eq!(parse_db_index(b"3", 16), Ok(3));
        assert_eq!(parse_db_index(b"abc", 16), Err(CommandError::not_integer()));
        assert_eq!(
            parse_db_index(b"16", 16),
            Err(CommandError::err("DB index is out of range"))
        );
        assert_eq!(
            parse_db_index(b"-1", 16),
            Err(CommandError::err("DB index is out of range"))
        );
        assert!(
            parse_db_index(b"99999999999", 16)
                .unwrap_err()
                .0
                .contains("must between")
        );
    }
}
