//! The sorted-set family (Redis's `t_zset.c`): members with `f64` scores,
//! kept in `(score, member)` order, read by rank, score or lexicographical
//! range, combined with union, intersection and difference. Every
//! command's table entry (arity, flags, ACL categories, key
//! specifications, tips, docs) matches Redis 7.0's `COMMAND INFO`.
//!
//! Scores follow Redis 7.0: `-inf`/`+inf` are scores, NaN never is (`ERR
//! resulting score is not a number (NaN)`), replies carry doubles (RESP2
//! bulk strings in `%.17g` form). `OBJECT ENCODING` is `listpack` up to
//! 128 members of at most 64 bytes (Redis 7.0's defaults for
//! `zset-max-listpack-entries` / `-value`, used as constants), `skiplist`
//! beyond.
//!
//! The blocking pops (`BZPOPMIN`, `BZPOPMAX`, `BZMPOP`) live elsewhere;
//! once a key has members they run `pop_first` on the locked database,
//! log `pop_argv` and reply with `mpop_reply` (BZMPOP, arguments from
//! `parse_mpop`) or `[key, member, score]`.

mod add;
mod blocking;
mod lex;
mod output;
mod pop;
mod random;
mod range;
mod read;
mod remove;
mod scan;
pub(crate) mod score;
mod setops;
mod sorted;
mod value;

use crate::table::{CommandSpec, KeySpecDef};

// For the blocking commands, which run these once a key has members.
#[allow(unused_imports)]
pub(crate) use pop::{MpopArgs, Popped, mpop_reply, parse_mpop, pop_argv, pop_first, pop_from};
pub use value::ZSetValue;

/// The sorted-set family's commands (the non-blocking ones).
pub fn commands() -> Vec<CommandSpec> {
    const READ_FAST: &[&str] = &["read", "sortedset", "fast"];
    const READ_SLOW: &[&str] = &["read", "sortedset", "slow"];
    const WRITE_FAST: &[&str] = &["write", "sortedset", "fast"];
    const WRITE_SLOW: &[&str] = &["write", "sortedset", "slow"];
    const RO: &[KeySpecDef] = &[KeySpecDef::range(&["RO"], 1, 0, 1)];
    const RO_ACCESS: &[KeySpecDef] = &[KeySpecDef::range(&["RO", "access"], 1, 0, 1)];
    const RW_DELETE: &[KeySpecDef] = &[KeySpecDef::range(&["RW", "delete"], 1, 0, 1)];
    const POP: &[KeySpecDef] = &[KeySpecDef::range(&["RW", "access", "delete"], 1, 0, 1)];
    const KEYNUM_RO: &[KeySpecDef] = &[KeySpecDef::keynum(&["RO", "access"], 1, 0, 1, 1)];
    const STORE: &[KeySpecDef] = &[
        KeySpecDef::range(&["OW", "update"], 1, 0, 1),
        KeySpecDef::keynum(&["RO", "access"], 2, 0, 1, 1),
    ];
    const GROUP: &str = "sorted-set";
    let read = |name, arity, handler| {
        CommandSpec::new(name, arity, handler)
            .key_specs(RO_ACCESS)
            .keys(1, 1, 1)
    };
    let setop = |name, arity, handler| {
        CommandSpec::new(name, arity, handler)
            .key_specs(KEYNUM_RO)
            .flags(&["readonly", "movablekeys"])
            .categories(READ_SLOW)
            .keynum(1, 2, 1)
    };
    let store = |name, handler| {
        CommandSpec::new(name, -4, handler)
            .key_specs(STORE)
            .flags(&["write", "denyoom", "movablekeys"])
            .categories(WRITE_SLOW)
            .keys(1, 1, 1)
    };
    vec![
        CommandSpec::new("zadd", -4, add::zadd)
            .key_specs(&const { [KeySpecDef::range(&["RW", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(
                GROUP,
                "1.2.0",
                "Add one or more members to a sorted set, or update its score if it already exists",
                "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
            ),
        CommandSpec::new("zincrby", 4, add::zincrby)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(GROUP, "1.2.0", "Increment the score of a member in a sorted set", "key increment member"),
        CommandSpec::new("zrem", -3, add::zrem)
            .key_specs(RW_DELETE)
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(GROUP, "1.2.0", "Remove one or more members from a sorted set", "key member [member ...]"),
        CommandSpec::new("zcard", 2, read::zcard)
            .key_specs(RO)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .keys(1, 1, 1)
            .doc(GROUP, "1.2.0", "Get the number of members in a sorted set", "key"),
        read("zcount", 4, read::zcount)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .doc(
                GROUP,
                "2.0.0",
                "Count the members in a sorted set with scores within the given values",
                "key min max",
            ),
        read("zlexcount", 4, read::zlexcount)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .doc(
                GROUP,
                "2.8.9",
                "Count the number of members in a sorted set between a given lexicographical range",
                "key min max",
            ),
        read("zscore", 3, read::zscore)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .doc(GROUP, "1.2.0", "Get the score associated with the given member in a sorted set", "key member"),
        read("zmscore", -3, read::zmscore)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .doc(
                GROUP,
                "6.2.0",
                "Get the score associated with the given members in a sorted set",
                "key member [member ...]",
            ),
        read("zrank", 3, read::zrank)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .doc(GROUP, "2.0.0", "Determine the index of a member in a sorted set", "key member"),
        read("zrevrank", 3, read::zrevrank)
            .flags(&["readonly", "fast"])
            .categories(READ_FAST)
            .doc(
                GROUP,
                "2.0.0",
                "Determine the index of a member in a sorted set, with scores ordered from high to low",
                "key member",
            ),
        read("zrange", -4, range::zrange)
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .doc(
                GROUP,
                "1.2.0",
                "Return a range of members in a sorted set",
                "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
            ),
        CommandSpec::new("zrangestore", -5, range::zrangestore)
            .key_specs(&const {
                [
                    KeySpecDef::range(&["OW", "update"], 1, 0, 1),
                    KeySpecDef::range(&["RO", "access"], 2, 0, 1),
                ]
            })
            .flags(&["write", "denyoom"])
            .categories(WRITE_SLOW)
            .keys(1, 2, 1)
            .doc(
                GROUP,
                "6.2.0",
                "Store a range of members from sorted set into another key",
                "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]",
            ),
        read("zrangebyscore", -4, range::zrangebyscore)
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .doc(
                GROUP,
                "1.0.5",
                "Return a range of members in a sorted set, by score",
                "key min max [WITHSCORES] [LIMIT offset count]",
            ),
        read("zrevrangebyscore", -4, range::zrevrangebyscore)
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .doc(
                GROUP,
                "2.2.0",
                "Return a range of members in a sorted set, by score, with scores ordered from high to low",
                "key max min [WITHSCORES] [LIMIT offset count]",
            ),
        read("zrangebylex", -4, range::zrangebylex)
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .doc(
                GROUP,
                "2.8.9",
                "Return a range of members in a sorted set, by lexicographical range",
                "key min max [LIMIT offset count]",
            ),
        read("zrevrangebylex", -4, range::zrevrangebylex)
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .doc(
                GROUP,
                "2.8.9",
                "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
                "key max min [LIMIT offset count]",
            ),
        read("zrevrange", -4, range::zrevrange)
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .doc(
                GROUP,
                "1.2.0",
                "Return a range of members in a sorted set, by index, with scores ordered from high to low",
                "key start stop [WITHSCORES]",
            ),
        CommandSpec::new("zremrangebyrank", 4, remove::zremrangebyrank)
            .key_specs(RW_DELETE)
            .flags(&["write"])
            .categories(WRITE_SLOW)
            .keys(1, 1, 1)
            .doc(GROUP, "2.0.0", "Remove all members in a sorted set within the given indexes", "key start stop"),
        CommandSpec::new("zremrangebyscore", 4, remove::zremrangebyscore)
            .key_specs(RW_DELETE)
            .flags(&["write"])
            .categories(WRITE_SLOW)
            .keys(1, 1, 1)
            .doc(GROUP, "1.2.0", "Remove all members in a sorted set within the given scores", "key min max"),
        CommandSpec::new("zremrangebylex", 4, remove::zremrangebylex)
            .key_specs(RW_DELETE)
            .flags(&["write"])
            .categories(WRITE_SLOW)
            .keys(1, 1, 1)
            .doc(
                GROUP,
                "2.8.9",
                "Remove all members in a sorted set between the given lexicographical range",
                "key min max",
            ),
        CommandSpec::new("zpopmin", -2, pop::zpopmin)
            .key_specs(POP)
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(GROUP, "5.0.0", "Remove and return members with the lowest scores in a sorted set", "key [count]"),
        CommandSpec::new("zpopmax", -2, pop::zpopmax)
            .key_specs(POP)
            .flags(&["write", "fast"])
            .categories(WRITE_FAST)
            .keys(1, 1, 1)
            .doc(GROUP, "5.0.0", "Remove and return members with the highest scores in a sorted set", "key [count]"),
        CommandSpec::new("zmpop", -4, pop::zmpop)
            .key_specs(&const { [KeySpecDef::keynum(&["RW", "access", "delete"], 1, 0, 1, 1)] })
            .flags(&["write", "movablekeys"])
            .categories(WRITE_SLOW)
            .keynum(1, 2, 1)
            .doc(
                GROUP,
                "7.0.0",
                "Remove and return members with scores in a sorted set",
                "numkeys key [key ...] <MIN | MAX> [COUNT count]",
            ),
        setop("zunion", -3, setops::zunion).doc(
            GROUP,
            "6.2.0",
            "Add multiple sorted sets",
            "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]",
        ),
        setop("zinter", -3, setops::zinter).doc(
            GROUP,
            "6.2.0",
            "Intersect multiple sorted sets",
            "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]",
        ),
        setop("zdiff", -3, setops::zdiff).doc(
            GROUP,
            "6.2.0",
            "Subtract multiple sorted sets",
            "numkeys key [key ...] [WITHSCORES]",
        ),
        store("zunionstore", setops::zunionstore).doc(
            GROUP,
            "2.0.0",
            "Add multiple sorted sets and store the resulting sorted set in a new key",
            "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]",
        ),
        store("zinterstore", setops::zinterstore).doc(
            GROUP,
            "2.0.0",
            "Intersect multiple sorted sets and store the resulting sorted set in a new key",
            "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]",
        ),
        store("zdiffstore", setops::zdiffstore).doc(
            GROUP,
            "6.2.0",
            "Subtract multiple sorted sets and store the resulting sorted set in a new key",
            "destination numkeys key [key ...]",
        ),
        setop("zintercard", -3, setops::zintercard).doc(
            GROUP,
            "7.0.0",
            "Intersect multiple sorted sets and return the cardinality of the result",
            "numkeys key [key ...] [LIMIT limit]",
        ),
        read("zrandmember", -2, random::zrandmember)
            .tips(&["nondeterministic_output"])
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .doc(
                GROUP,
                "6.2.0",
                "Get one or multiple random elements from a sorted set",
                "key [count [WITHSCORES]]",
            ),
        read("zscan", -3, scan::zscan)
            .tips(&["nondeterministic_output"])
            .flags(&["readonly"])
            .categories(READ_SLOW)
            .doc(
                GROUP,
                "2.8.0",
                "Incrementally iterate sorted sets elements and associated scores",
                "key cursor [MATCH pattern] [COUNT count]",
            ),
    ]
}

/// `BZPOPMIN`, `BZPOPMAX`, `BZMPOP` (see [`blocking`]).
pub fn blocking_commands() -> Vec<CommandSpec> {
    blocking::commands()
}
