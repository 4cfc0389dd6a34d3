//! The hash family (Redis's `t_hash.c`): HSET, HSETNX, HMSET, HGET, HMGET,
//! HGETALL, HDEL, HLEN, HEXISTS, HKEYS, HVALS, HINCRBY, HINCRBYFLOAT,
//! HSTRLEN, HSCAN and HRANDFIELD, with Redis 7.0's replies, error texts and
//! `OBJECT ENCODING` names (see `value.rs` for the encoding rules). Every
//! table entry (arity, flags, ACL categories, key specs, tips, docs) matches
//! Redis 7.0.15's `COMMAND INFO` and `COMMAND DOCS`.
//!
//! Writes that changed the hash log the command as sent, except
//! `HINCRBYFLOAT`, which logs the `HSET` of its result as Redis propagates
//! it. A hash whose last field is deleted is removed.

mod counter;
mod fields;
mod long_double;
pub(crate) mod random;
pub(crate) mod scan;
mod value;

pub use value::HashValue;

use bytes::Bytes;

use crate::error::{CommandError, Result};
use crate::keys::read_with;
use crate::keyspace::{Db, Entry, Value};
use crate::table::{CommandSpec, KeySpecDef};

/// Applies `f` to the hash at `key` for a read command, counting a keyspace
/// hit or miss. `Ok(None)` when the key does not exist. Error: WRONGTYPE.
pub(crate) fn read_hash<R>(
    db: &mut Db,
    key: &[u8],
    now_ms: i64,
    f: impl FnOnce(&HashValue) -> R,
) -> Result<Option<R>> {
    read_with(db, key, now_ms, |entry| match &entry.value {
        Value::Hash(hash) => Ok(f(hash)),
        _ => Err(CommandError::wrong_type()),
    })
    .transpose()
}

/// The hash at `key` for a write command (no hit/miss counting).
/// `Ok(None)` when the key does not exist. Error: WRONGTYPE.
pub(crate) fn write_hash<'a>(
    db: &'a mut Db,
    key: &[u8],
    now_ms: i64,
) -> Result<Option<&'a mut HashValue>> {
    match db.get(key, now_ms) {
        None => Ok(None),
        Some(Entry {
            value: Value::Hash(hash),
            ..
        }) => Ok(Some(hash)),
        Some(_) => Err(CommandError::wrong_type()),
    }
}

/// The hash at `key`, created empty when the key does not exist. The caller
/// must leave at least one field in a hash it created. Error: WRONGTYPE.
pub(crate) fn hash_or_create<'a>(
    db: &'a mut Db,
    key: &Bytes,
    now_ms: i64,
) -> Result<&'a mut HashValue> {
    match &mut db
        .get_or_insert_with(key, now_ms, || Value::Hash(HashValue::default()))
        .value
    {
        Value::Hash(hash) => Ok(hash),
        _ => Err(CommandError::wrong_type()),
    }
}

/// The hash family's commands.
pub fn commands() -> Vec<CommandSpec> {
    const READ_FAST: &[&str] = &["read", "hash", "fast"];
    const READ_SLOW: &[&str] = &["read", "hash", "slow"];
    const WRITE_FAST: &[&str] = &["write", "hash", "fast"];
    const RO_ACCESS: &[KeySpecDef] = &[KeySpecDef::range(&["RO", "access"], 1, 0, 1)];
    const RO: &[KeySpecDef] = &[KeySpecDef::range(&["RO"], 1, 0, 1)];
    const RW_UPDATE: &[KeySpecDef] = &[KeySpecDef::range(&["RW", "update"], 1, 0, 1)];
    const RW_ACCESS_UPDATE: &[KeySpecDef] =
        &[KeySpecDef::range(&["RW", "access", "update"], 1, 0, 1)];
    vec![
        CommandSpec::new("hset", -4, fields::hset)
            .key_specs(RW_UPDATE)
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "2.0.0",
                "Set the string value of a hash field",
                "key field value [field value ...]",
            ),
        CommandSpec::new("hsetnx", 4, fields::hsetnx)
            .key_specs(&const { [KeySpecDef::range(&["RW", "insert"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "2.0.0",
                "Set the value of a hash field, only if the field does not exist",
                "key field value",
            ),
        CommandSpec::new("hmset", -4, fields::hmset)
            .key_specs(RW_UPDATE)
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "2.0.0",
                "Set multiple hash fields to multiple values",
                "key field value [field value ...]",
            ),
        CommandSpec::new("hget", 3, fields::hget)
            .key_specs(RO_ACCESS)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "2.0.0",
                "Get the value of a hash field",
                "key field",
            ),
        CommandSpec::new("hmget", -3, fields::hmget)
            .key_specs(RO_ACCESS)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "2.0.0",
                "Get the values of all the given hash fields",
                "key field [field ...]",
            ),
        CommandSpec::new("hgetall", 2, fields::hgetall)
            .key_specs(RO_ACCESS)
            .tips(&["nondeterministic_output_order"])
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "2.0.0",
                "Get all the fields and values in a hash",
                "key",
            ),
        CommandSpec::new("hdel", -3, fields::hdel)
            .key_specs(&const { [KeySpecDef::range(&["RW", "delete"], 1, 0, 1)] })
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "2.0.0",
                "Delete one or more hash fields",
                "key field [field ...]",
            ),
        CommandSpec::new("hlen", 2, fields::hlen)
            .key_specs(RO)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc("hash", "2.0.0", "Get the number of fields in a hash", "key"),
        CommandSpec::new("hexists", 3, fields::hexists)
            .key_specs(RO)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "2.0.0",
                "Determine if a hash field exists",
                "key field",
            ),
        CommandSpec::new("hkeys", 2, fields::hkeys)
            .key_specs(RO_ACCESS)
            .tips(&["nondeterministic_output_order"])
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, 1, 1)
            .doc("hash", "2.0.0", "Get all the fields in a hash", "key"),
        CommandSpec::new("hvals", 2, fields::hvals)
            .key_specs(RO_ACCESS)
            .tips(&["nondeterministic_output_order"])
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, 1, 1)
            .doc("hash", "2.0.0", "Get all the values in a hash", "key"),
        CommandSpec::new("hincrby", 4, counter::hincrby)
            .key_specs(RW_ACCESS_UPDATE)
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "2.0.0",
                "Increment the integer value of a hash field by the given number",
                "key field increment",
            ),
        CommandSpec::new("hincrbyfloat", 4, counter::hincrbyfloat)
            .key_specs(RW_ACCESS_UPDATE)
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "2.6.0",
                "Increment the float value of a hash field by the given amount",
                "key field increment",
            ),
        CommandSpec::new("hstrlen", 3, fields::hstrlen)
            .key_specs(RO)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "3.2.0",
                "Get the length of the value of a hash field",
                "key field",
            ),
        CommandSpec::new("hscan", -3, scan::hscan)
            .key_specs(RO_ACCESS)
            .tips(&["nondeterministic_output"])
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "2.8.0",
                "Incrementally iterate hash fields and associated values",
                "key cursor [MATCH pattern] [COUNT count]",
            ),
        CommandSpec::new("hrandfield", -2, random::hrandfield)
            .key_specs(RO_ACCESS)
            .tips(&["nondeterministic_output"])
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, 1, 1)
            .doc(
                "hash",
                "6.2.0",
                "Get one or multiple random fields from a hash",
                "key [count [WITHVALUES]]",
            ),
    ]
}
