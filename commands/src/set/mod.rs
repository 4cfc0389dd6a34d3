//! The set family (Redis's `t_set.c`): SADD, SREM, SMEMBERS, SISMEMBER,
//! SMISMEMBER, SCARD, SPOP, SRANDMEMBER, SMOVE, SINTER, SINTERSTORE,
//! SINTERCARD, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE and SSCAN, with Redis
//! 7.0's replies, error texts and `OBJECT ENCODING` names (see `value.rs`
//! for the encoding rules). Every table entry (arity, flags, ACL
//! categories, key specs, tips, docs) matches Redis 7.0.15's `COMMAND INFO`
//! and `COMMAND DOCS`.
//!
//! Writes that changed data log the command as sent, except `SPOP`, whose
//! random choice is logged as its outcome (`SREM` of the popped members, or
//! `DEL` when it took the whole set, as Redis propagates it). A set whose
//! last member is removed is removed.

mod algebra;
mod members;
mod random;
mod value;

pub use value::SetValue;

use bytes::Bytes;

use crate::error::{CommandError, Result};
use crate::keys::read_with;
use crate::keyspace::{Db, Entry, Value};
use crate::table::{CommandSpec, KeySpecDef};

/// Applies `f` to the set at `key` for a read command, counting a keyspace
/// hit or miss. `Ok(None)` when the key does not exist. Error: WRONGTYPE.
pub(crate) fn read_set<R>(
    db: &mut Db,
    key: &[u8],
    now_ms: i64,
    f: impl FnOnce(&SetValue) -> R,
) -> Result<Option<R>> {
    read_with(db, key, now_ms, |entry| match &entry.value {
        Value::Set(set) => Ok(f(set)),
        _ => Err(CommandError::wrong_type()),
    })
    .transpose()
}

/// The set at `key` for a write command (no hit/miss counting).
/// `Ok(None)` when the key does not exist. Error: WRONGTYPE.
pub(crate) fn write_set<'a>(
    db: &'a mut Db,
    key: &[u8],
    now_ms: i64,
) -> Result<Option<&'a mut SetValue>> {
    match db.get(key, now_ms) {
        None => Ok(None),
        Some(Entry {
            value: Value::Set(set),
            ..
        }) => Ok(Some(set)),
        Some(_) => Err(CommandError::wrong_type()),
    }
}

/// The set at `key`, created empty when the key does not exist. The caller
/// must leave at least one member in a set it created. Error: WRONGTYPE.
pub(crate) fn set_or_create<'a>(
    db: &'a mut Db,
    key: &Bytes,
    now_ms: i64,
) -> Result<&'a mut SetValue> {
    match &mut db
        .get_or_insert_with(key, now_ms, || Value::Set(Box::default()))
        .value
    {
        Value::Set(set) => Ok(set),
        _ => Err(CommandError::wrong_type()),
    }
}

/// Removes `key` when its set is empty (after a removal).
pub(crate) fn drop_if_empty(db: &mut Db, key: &[u8], now_ms: i64) {
    if matches!(write_set(db, key, now_ms), Ok(Some(set)) if set.is_empty()) {
        db.remove(key);
    }
}

/// The set family's commands.
pub fn commands() -> Vec<CommandSpec> {
    const READ_FAST: &[&str] = &["read", "set", "fast"];
    const READ_SLOW: &[&str] = &["read", "set", "slow"];
    const WRITE_FAST: &[&str] = &["write", "set", "fast"];
    const WRITE_SLOW: &[&str] = &["write", "set", "slow"];
    const RO_ACCESS: &[KeySpecDef] = &[KeySpecDef::range(&["RO", "access"], 1, 0, 1)];
    const RO: &[KeySpecDef] = &[KeySpecDef::range(&["RO"], 1, 0, 1)];
    const RO_ACCESS_ALL: &[KeySpecDef] = &[KeySpecDef::range(&["RO", "access"], 1, -1, 1)];
    const STORE_OW: &[KeySpecDef] = &[
        KeySpecDef::range(&["OW", "update"], 1, 0, 1),
        KeySpecDef::range(&["RO", "access"], 2, -1, 1),
    ];
    const ORDERLESS: &[&str] = &["nondeterministic_output_order"];
    const RANDOM: &[&str] = &["nondeterministic_output"];
    vec![
        CommandSpec::new("sadd", -3, members::sadd)
            .key_specs(&const { [KeySpecDef::range(&["RW", "insert"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "set",
                "1.0.0",
                "Add one or more members to a set",
                "key member [member ...]",
            ),
        CommandSpec::new("srem", -3, members::srem)
            .key_specs(&const { [KeySpecDef::range(&["RW", "delete"], 1, 0, 1)] })
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "set",
                "1.0.0",
                "Remove one or more members from a set",
                "key member [member ...]",
            ),
        CommandSpec::new("smembers", 2, members::smembers)
            .key_specs(RO_ACCESS)
            .tips(ORDERLESS)
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, 1, 1)
            .doc("set", "1.0.0", "Get all the members in a set", "key"),
        CommandSpec::new("sismember", 3, members::sismember)
            .key_specs(RO)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc(
                "set",
                "1.0.0",
                "Determine if a given value is a member of a set",
                "key member",
            ),
        CommandSpec::new("smismember", -3, members::smismember)
            .key_specs(RO_ACCESS)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc(
                "set",
                "6.2.0",
                "Returns the membership associated with the given elements for a set",
                "key member [member ...]",
            ),
        CommandSpec::new("scard", 2, members::scard)
            .key_specs(RO)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc("set", "1.0.0", "Get the number of members in a set", "key"),
        CommandSpec::new("spop", -2, random::spop)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "delete"], 1, 0, 1)] })
            .tips(RANDOM)
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "set",
                "1.0.0",
                "Remove and return one or multiple random members from a set",
                "key [count]",
            ),
        CommandSpec::new("srandmember", -2, random::srandmember)
            .key_specs(RO_ACCESS)
            .tips(RANDOM)
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, 1, 1)
            .doc(
                "set",
                "1.0.0",
                "Get one or multiple random members from a set",
                "key [count]",
            ),
        CommandSpec::new("smove", 4, members::smove)
            .key_specs(
                &const {
                    [
                        KeySpecDef::range(&["RW", "access", "delete"], 1, 0, 1),
                        KeySpecDef::range(&["RW", "insert"], 2, 0, 1),
                    ]
                },
            )
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 2, 1)
            .doc(
                "set",
                "1.0.0",
                "Move a member from one set to another",
                "source destination member",
            ),
        CommandSpec::new("sinter", -2, algebra::sinter)
            .key_specs(RO_ACCESS_ALL)
            .tips(ORDERLESS)
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, -1, 1)
            .doc("set", "1.0.0", "Intersect multiple sets", "key [key ...]"),
        CommandSpec::new("sinterstore", -3, algebra::sinterstore)
            .key_specs(
                &const {
                    [
                        KeySpecDef::range(&["RW", "update"], 1, 0, 1),
                        KeySpecDef::range(&["RO", "access"], 2, -1, 1),
                    ]
                },
            )
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, -1, 1)
            .doc(
                "set",
                "1.0.0",
                "Intersect multiple sets and store the resulting set in a key",
                "destination key [key ...]",
            ),
        CommandSpec::new("sintercard", -3, algebra::sintercard)
            .key_specs(&const { [KeySpecDef::keynum(&["RO", "access"], 1, 0, 1, 1)] })
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keynum(1, 2, 1)
            .doc(
                "set",
                "7.0.0",
                "Intersect multiple sets and return the cardinality of the result",
                "numkeys key [key ...] [LIMIT limit]",
            ),
        CommandSpec::new("sunion", -2, algebra::sunion)
            .key_specs(RO_ACCESS_ALL)
            .tips(ORDERLESS)
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, -1, 1)
            .doc("set", "1.0.0", "Add multiple sets", "key [key ...]"),
        CommandSpec::new("sunionstore", -3, algebra::sunionstore)
            .key_specs(STORE_OW)
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, -1, 1)
            .doc(
                "set",
                "1.0.0",
                "Add multiple sets and store the resulting set in a key",
                "destination key [key ...]",
            ),
        CommandSpec::new("sdiff", -2, algebra::sdiff)
            .key_specs(RO_ACCESS_ALL)
            .tips(ORDERLESS)
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, -1, 1)
            .doc("set", "1.0.0", "Subtract multiple sets", "key [key ...]"),
        CommandSpec::new("sdiffstore", -3, algebra::sdiffstore)
            .key_specs(STORE_OW)
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, -1, 1)
            .doc(
                "set",
                "1.0.0",
                "Subtract multiple sets and store the resulting set in a key",
                "destination key [key ...]",
            ),
        CommandSpec::new("sscan", -3, members::sscan)
            .key_specs(RO_ACCESS)
            .tips(RANDOM)
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, 1, 1)
            .doc(
                "set",
                "2.8.0",
                "Incrementally iterate Set elements",
                "key cursor [MATCH pattern] [COUNT count]",
            ),
    ]
}
