//! The list family (Redis's `t_list.c`): pushes and pops at either end,
//! index and range access, in-place edits, and moves between lists. Every
//! command's table entry (arity, flags, ACL categories, key
//! specifications, docs) matches Redis 7.0's `COMMAND INFO`.
//!
//! The blocking commands (`BLPOP`, `BRPOP`, `BLMOVE`, `BLMPOP`,
//! `BRPOPLPUSH`, in `blocking`) run, once a list has elements, the same
//! non-blocking pop or move (`pop::pop_first`, `moves::move_between`) on
//! the locked database and log `pop::pop_argv` / `moves::move_argv`.

mod blocking;
mod moves;
mod pop;
mod push;
mod read;
mod trim;
mod value;

use crate::table::{CommandSpec, KeySpecDef};

pub use value::{End, ListValue};

/// The list family's commands, blocking ones included.
pub fn commands() -> Vec<CommandSpec> {
    const READ_FAST: &[&str] = &["read", "list", "fast"];
    const READ_SLOW: &[&str] = &["read", "list", "slow"];
    const WRITE_FAST: &[&str] = &["write", "list", "fast"];
    const WRITE_SLOW: &[&str] = &["write", "list", "slow"];
    const INSERT: &[KeySpecDef] = &[KeySpecDef::range(&["RW", "insert"], 1, 0, 1)];
    const POP: &[KeySpecDef] = &[KeySpecDef::range(&["RW", "access", "delete"], 1, 0, 1)];
    const MOVE: &[KeySpecDef] = &[
        KeySpecDef::range(&["RW", "access", "delete"], 1, 0, 1),
        KeySpecDef::range(&["RW", "insert"], 2, 0, 1),
    ];
    vec![
        CommandSpec::new("lpush", -3, push::lpush)
            .key_specs(INSERT)
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "list",
                "1.0.0",
                "Prepend one or multiple elements to a list",
                "key element [element ...]",
            ),
        CommandSpec::new("rpush", -3, push::rpush)
            .key_specs(INSERT)
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "list",
                "1.0.0",
                "Append one or multiple elements to a list",
                "key element [element ...]",
            ),
        CommandSpec::new("lpushx", -3, push::lpushx)
            .key_specs(INSERT)
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "list",
                "2.2.0",
                "Prepend an element to a list, only if the list exists",
                "key element [element ...]",
            ),
        CommandSpec::new("rpushx", -3, push::rpushx)
            .key_specs(INSERT)
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "list",
                "2.2.0",
                "Append an element to a list, only if the list exists",
                "key element [element ...]",
            ),
        CommandSpec::new("lpop", -2, pop::lpop)
            .key_specs(POP)
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "list",
                "1.0.0",
                "Remove and get the first elements in a list",
                "key [count]",
            ),
        CommandSpec::new("rpop", -2, pop::rpop)
            .key_specs(POP)
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                "list",
                "1.0.0",
                "Remove and get the last elements in a list",
                "key [count]",
            ),
        CommandSpec::new("llen", 2, read::llen)
            .key_specs(&const { [KeySpecDef::range(&["RO"], 1, 0, 1)] })
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc("list", "1.0.0", "Get the length of a list", "key"),
        CommandSpec::new("lrange", 4, read::lrange)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1)] })
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, 1, 1)
            .doc(
                "list",
                "1.0.0",
                "Get a range of elements from a list",
                "key start stop",
            ),
        CommandSpec::new("lindex", 3, read::lindex)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1)] })
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, 1, 1)
            .doc(
                "list",
                "1.0.0",
                "Get an element from a list by its index",
                "key index",
            ),
        CommandSpec::new("lset", 4, push::lset)
            .key_specs(&const { [KeySpecDef::range(&["RW", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, 1, 1)
            .doc(
                "list",
                "1.0.0",
                "Set the value of an element in a list by its index",
                "key index element",
            ),
        CommandSpec::new("linsert", 5, push::linsert)
            .key_specs(INSERT)
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, 1, 1)
            .doc(
                "list",
                "2.2.0",
                "Insert an element before or after another element in a list",
                "key BEFORE | AFTER pivot element",
            ),
        CommandSpec::new("lrem", 4, trim::lrem)
            .key_specs(&const { [KeySpecDef::range(&["RW", "delete"], 1, 0, 1)] })
            .flags(&["write"])
            .categories(WRITE_SLOW)
            .keys(1, 1, 1)
            .doc(
                "list",
                "1.0.0",
                "Remove elements from a list",
                "key count element",
            ),
        CommandSpec::new("ltrim", 4, trim::ltrim)
            .key_specs(&const { [KeySpecDef::range(&["RW", "delete"], 1, 0, 1)] })
            .flags(&["write"])
            .categories(WRITE_SLOW)
            .keys(1, 1, 1)
            .doc(
                "list",
                "1.0.0",
                "Trim a list to the specified range",
                "key start stop",
            ),
        CommandSpec::new("lpos", -3, read::lpos)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1)] })
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .keys(1, 1, 1)
            .doc(
                "list",
                "6.0.6",
                "Return the index of matching elements on a list",
                "key element [RANK rank] [COUNT num-matches] [MAXLEN len]",
            ),
        CommandSpec::new("lmove", 5, moves::lmove)
            .key_specs(MOVE)
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, 2, 1)
            .doc(
                "list",
                "6.2.0",
                "Pop an element from a list, push it to another list and return it",
                "source destination LEFT | RIGHT LEFT | RIGHT",
            ),
        CommandSpec::new("rpoplpush", 3, moves::rpoplpush)
            .key_specs(MOVE)
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, 2, 1)
            .doc(
                "list",
                "1.2.0",
                "Remove the last element in a list, prepend it to another list and return it",
                "source destination",
            ),
        CommandSpec::new("lmpop", -4, pop::lmpop)
            .key_specs(&const { [KeySpecDef::keynum(&["RW", "access", "delete"], 1, 0, 1, 1)] })
            .flags(&["write"])
            .categories(WRITE_SLOW)
            .keynum(1, 2, 1)
            .doc(
                "list",
                "7.0.0",
                "Pop elements from a list",
                "numkeys key [key ...] LEFT | RIGHT [COUNT count]",
            ),
    ]
    .into_iter()
    .chain(blocking::commands())
    .collect()
}
