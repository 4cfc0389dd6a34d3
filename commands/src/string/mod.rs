//! The string family (Redis's `t_string.c`): whole-value reads and writes,
//! counters and byte ranges. Every command's table entry (arity, flags, ACL
//! categories, key positions, docs) matches Redis 7.0's `COMMAND INFO` and
//! `COMMAND DOCS`.

mod counter;
mod expiry;
mod get_set;
mod range;

use crate::table::{CommandSpec, KeySpecDef};

/// The string family's commands.
pub fn commands() -> Vec<CommandSpec> {
    const READ_FAST: &[&str] = &["read", "string", "fast"];
    const WRITE_FAST: &[&str] = &["write", "string", "fast"];
    const WRITE_SLOW: &[&str] = &["write", "string", "slow"];
    vec![
        CommandSpec::new("get", 2, get_set::get)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1)] })
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc("string", "1.0.0", "Get the value of a key", "key"),
        CommandSpec::new("set", -3, get_set::set)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "update", "variable_flags"], 1, 0, 1).notes("RW and ACCESS due to the optional `GET` argument")] })
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, 1, 1)
            .doc(
                "string",
                "1.0.0",
                "Set the string value of a key",
                "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
            ),
        CommandSpec::new("setex", 4, get_set::setex)
            .key_specs(&const { [KeySpecDef::range(&["OW", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, 1, 1)
            .doc("string", "2.0.0", "Set the value and expiration of a key", "key seconds value"),
        CommandSpec::new("psetex", 4, get_set::psetex)
            .key_specs(&const { [KeySpecDef::range(&["OW", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, 1, 1)
            .doc("string", "2.6.0", "Set the value and expiration in milliseconds of a key", "key milliseconds value"),
        CommandSpec::new("setnx", 3, get_set::setnx)
            .key_specs(&const { [KeySpecDef::range(&["OW", "insert"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("string", "1.0.0", "Set the value of a key, only if the key does not exist", "key value"),
        CommandSpec::new("getset", 3, get_set::getset)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("string", "1.0.0", "Set the string value of a key and return its old value", "key value"),
        CommandSpec::new("getdel", 2, get_set::getdel)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "delete"], 1, 0, 1)] })
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("string", "6.2.0", "Get the value of a key and delete the key", "key"),
        CommandSpec::new("getex", -2, get_set::getex)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "update"], 1, 0, 1).notes("RW and UPDATE because it changes the TTL")] })
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "string",
                "6.2.0",
                "Get the value of a key and optionally set its expiration",
                "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]",
            ),
        CommandSpec::new("mget", -2, get_set::mget)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, -1, 1)] })
            .tips(&["request_policy:multi_shard"])
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, -1, 1)
            .doc("string", "1.0.0", "Get the values of all the given keys", "key [key ...]"),
        CommandSpec::new("mset", -3, get_set::mset)
            .key_specs(&const { [KeySpecDef::range(&["OW", "update"], 1, -1, 2)] })
            .tips(&["request_policy:multi_shard", "response_policy:all_succeeded"])
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, -1, 2)
            .doc("string", "1.0.1", "Set multiple keys to multiple values", "key value [key value ...]"),
        CommandSpec::new("msetnx", -3, get_set::msetnx)
            .key_specs(&const { [KeySpecDef::range(&["OW", "insert"], 1, -1, 2)] })
            .tips(&["request_policy:multi_shard", "response_policy:agg_min"])
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, -1, 2)
            .doc(
                "string",
                "1.0.1",
                "Set multiple keys to multiple values, only if none of the keys exist",
                "key value [key value ...]",
            ),
        CommandSpec::new("incr", 2, counter::incr)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("string", "1.0.0", "Increment the integer value of a key by one", "key"),
        CommandSpec::new("decr", 2, counter::decr)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("string", "1.0.0", "Decrement the integer value of a key by one", "key"),
        CommandSpec::new("incrby", 3, counter::incrby)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("string", "1.0.0", "Increment the integer value of a key by the given amount", "key increment"),
        CommandSpec::new("decrby", 3, counter::decrby)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("string", "1.0.0", "Decrement the integer value of a key by the given number", "key decrement"),
        CommandSpec::new("incrbyfloat", 3, counter::incrbyfloat)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("string", "2.6.0", "Increment the float value of a key by the given amount", "key increment"),
        CommandSpec::new("append", 3, range::append)
            .key_specs(&const { [KeySpecDef::range(&["RW", "insert"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc("string", "2.0.0", "Append a value to a key", "key value"),
        CommandSpec::new("strlen", 2, range::strlen)
            .key_specs(&const { [KeySpecDef::range(&["RO"], 1, 0, 1)] })
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc("string", "2.2.0", "Get the length of the value stored in a key", "key"),
        CommandSpec::new("getrange", 4, range::getrange)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1)] })
            .flags(&["readonly"])
            .categories(&["read", "string", "slow"])
            .keys(1, 1, 1)
            .doc("string", "2.4.0", "Get a substring of the string stored at a key", "key start end"),
        CommandSpec::new("substr", 4, range::getrange)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1)] })
            .flags(&["readonly"])
            .categories(&["read", "string", "slow"])
            .keys(1, 1, 1)
            .doc("string", "1.0.0", "Get a substring of the string stored at a key", "key start end"),
        CommandSpec::new("setrange", 4, range::setrange)
            .key_specs(&const { [KeySpecDef::range(&["RW", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, 1, 1)
            .doc(
                "string",
                "2.2.0",
                "Overwrite part of a string at key starting at the specified offset",
                "key offset value",
            ),
    ]
}
