//! Streams subset (Redis's `t_stream.c`): XADD, XLEN, XRANGE, XREVRANGE,
//! XDEL, XTRIM, XREAD (without waiting) and XSETID (which the AOF rewrite
//! uses to restore a stream's last id).
//!
//! A stream keeps the last id it generated even when its entries are
//! deleted, so ids never go back. Approximate trims (`~`) remove what
//! Redis removes: the value models Redis's storage nodes ([`nodes`]) with
//! Redis 7.0's defaults `stream-node-max-entries` 100 and
//! `stream-node-max-bytes` 4096. Every table entry matches Redis 7.0's
//! `COMMAND INFO` and `COMMAND DOCS`.
//!
//! XREAD's pieces for `XREAD BLOCK` ([`read::parse_xread`],
//! [`read::resolve_ids`], [`read::read_after`]) are `pub(crate)`.
//!
//! Logged to the AOF: `XADD` with the id it got (never `*`) and its trim
//! in exact form; `XTRIM` in exact form; `XDEL` and `XSETID` as sent.

mod id;
mod nodes;
pub(crate) mod read;
mod trim;
mod value;
mod write;

pub use id::StreamId;
pub use value::StreamValue;

use crate::error::{CommandError, Result};
use crate::keyspace::{Db, Value};
use crate::table::{CommandSpec, KeySpecDef};

/// The stream at `key` for a write (no keyspace hit or miss counted);
/// `None` when the key is missing. Error: WRONGTYPE.
fn stream_mut<'a>(db: &'a mut Db, key: &[u8], now_ms: i64) -> Result<Option<&'a mut StreamValue>> {
    match db.get(key, now_ms).map(|e| &mut e.value) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(CommandError::wrong_type()),
    }
}

/// The family's commands.
pub fn commands() -> Vec<CommandSpec> {
    const RO_ACCESS: &[KeySpecDef] = &[KeySpecDef::range(&["RO", "access"], 1, 0, 1)];
    vec![
        CommandSpec::new("xadd", -5, write::xadd)
            .key_specs(
                &const {
                    [KeySpecDef::range(&["RW", "update"], 1, 0, 1)
                        .notes("UPDATE instead of INSERT because of the optional trimming feature")]
                },
            )
            .tips(&["nondeterministic_output"])
            .flags(&["write", "denyoom", "fast"])
            .categories(&["write", "stream", "fast"])
            .keys(1, 1, 1)
            .doc(
                "stream",
                "5.0.0",
                "Appends a new entry to a stream",
                "key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]",
            ),
        CommandSpec::new("xlen", 2, read::xlen)
            .key_specs(&const { [KeySpecDef::range(&["RO"], 1, 0, 1)] })
            .flags(&["readonly", "fast"])
            .categories(&["read", "stream", "fast"])
            .keys(1, 1, 1)
            .doc("stream", "5.0.0", "Return the number of entries in a stream", "key"),
        CommandSpec::new("xrange", -4, read::xrange)
            .key_specs(RO_ACCESS)
            .flags(&["readonly"])
            .categories(&["read", "stream", "slow"])
            .keys(1, 1, 1)
            .doc(
                "stream",
                "5.0.0",
                "Return a range of elements in a stream, with IDs matching the specified IDs interval",
                "key start end [COUNT count]",
            ),
        CommandSpec::new("xrevrange", -4, read::xrevrange)
            .key_specs(RO_ACCESS)
            .flags(&["readonly"])
            .categories(&["read", "stream", "slow"])
            .keys(1, 1, 1)
            .doc(
                "stream",
                "5.0.0",
                "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
                "key end start [COUNT count]",
            ),
        CommandSpec::new("xdel", -3, write::xdel)
            .key_specs(&const { [KeySpecDef::range(&["RW", "delete"], 1, 0, 1)] })
            .flags(&["write", "fast"])
            .categories(&["write", "stream", "fast"])
            .keys(1, 1, 1)
            .doc(
                "stream",
                "5.0.0",
                "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.",
                "key id [id ...]",
            ),
        CommandSpec::new("xtrim", -4, trim::xtrim)
            .key_specs(&const { [KeySpecDef::range(&["RW", "delete"], 1, 0, 1)] })
            .tips(&["nondeterministic_output"])
            .flags(&["write"])
            .categories(&["write", "stream", "slow"])
            .keys(1, 1, 1)
            .doc(
                "stream",
                "5.0.0",
                "Trims the stream to (approximately if '~' is passed) a certain size",
                "key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]",
            ),
        CommandSpec::new("xread", -4, read::xread)
            .key_specs(
                &const {
                    [KeySpecDef::range(&["RO", "access"], 0, -1, 1)
                        .after_keyword("STREAMS", 1)
                        .limit(2)]
                },
            )
            .flags(&["readonly", "blocking", "movablekeys"])
            .categories(&["read", "stream", "slow", "blocking"])
            .doc(
                "stream",
                "5.0.0",
                "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
                "[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]",
            ),
        CommandSpec::new("xsetid", -3, write::xsetid)
            .key_specs(&const { [KeySpecDef::range(&["RW", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(&["write", "stream", "fast"])
            .keys(1, 1, 1)
            .doc(
                "stream",
                "5.0.0",
                "An internal command for replicating stream values",
                "key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]",
            ),
    ]
}
