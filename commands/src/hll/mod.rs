//! HyperLogLog (Redis's `hyperloglog.c`): PFADD, PFCOUNT, PFMERGE.
//!
//! A HyperLogLog is an ordinary [`Value::String`] in Redis's own layout
//! ([`repr`]): `GET` of a HyperLogLog written by Redis can be `SET` here
//! and read, and the other way round; estimates equal Redis's for the same
//! elements. `hll-sparse-max-bytes` is Redis 7.0's default, 3000 bytes.
//!
//! Logged to the AOF: PFADD and PFMERGE as sent when they changed the
//! value; a single-key PFCOUNT that refreshed the cached cardinality (a
//! change of the string, as Redis propagates it) as `PFCOUNT key`.

mod estimate;
mod hash;
mod repr;
mod sparse;

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::read_with;
use crate::keyspace::{Db, StringForm, StringValue, Value};
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::{CommandSpec, KeySpecDef};

/// Index bits of the register number.
const P: u32 = 14;
/// Number of registers.
const REGISTERS: usize = 1 << P;
/// Redis 7.0's default `hll-sparse-max-bytes`: a sparse value that would
/// grow past it turns dense.
const SPARSE_MAX_BYTES: usize = 3000;

fn not_hll() -> CommandError {
    CommandError::raw("WRONGTYPE Key is not a valid HyperLogLog string value.")
}

fn corrupt() -> CommandError {
    CommandError::raw("INVALIDOBJ Corrupted HLL object detected")
}

/// The bytes of a valid HyperLogLog value. Errors: WRONGTYPE for another
/// type, `WRONGTYPE Key is not a valid HyperLogLog string value.` for a
/// string that is not one.
fn hll_of(value: &Value) -> Result<&StringValue> {
    match value {
        Value::String(s) if repr::is_valid(s) => Ok(s),
        Value::String(_) => Err(not_hll()),
        _ => Err(CommandError::wrong_type()),
    }
}

/// A read lookup (counting a keyspace hit or miss) of the HyperLogLog at
/// `key`, shared with the keyspace (no copy).
fn read_hll(db: &mut Db, key: &[u8], now_ms: i64) -> Result<Option<StringValue>> {
    read_with(db, key, now_ms, |e| hll_of(&e.value).cloned()).transpose()
}

/// A write lookup (no hit or miss counted) of the HyperLogLog at `key`: a
/// copy of its bytes to edit (at most 12 KiB), which the caller
/// [`store`]s back when it changed; `None` when the key is missing.
fn take_hll(db: &mut Db, key: &[u8], now_ms: i64) -> Result<Option<Vec<u8>>> {
    let Some(entry) = db.get(key, now_ms) else {
        return Ok(None);
    };
    Ok(Some(hll_of(&entry.value)?.to_vec()))
}

/// Stores `hll` at `key`, keeping the TTL of an existing key.
fn store(db: &mut Db, key: Bytes, hll: Vec<u8>, now_ms: i64) {
    db.set_keep_ttl(
        key.clone(),
        Value::String(StringValue::from_slice(&hll)),
        now_ms,
    );
    // Redis makes and edits HyperLogLogs as raw strings.
    db.set_string_form(&key, StringForm::Raw);
}

/// Raises register `index` to `count` in a valid value of either encoding.
fn set_register(hll: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, repr::Corrupt> {
    if hll[4] == repr::DENSE {
        Ok(repr::dense_set(&mut hll[repr::HDR..], index, count))
    } else {
        sparse::sparse_set(hll, index, count, SPARSE_MAX_BYTES)
    }
}

/// `PFADD key [element ...]` — adds the elements to the HyperLogLog at
/// `key`, creating it (empty when no element is given).
///
/// Reply: 1 when a register changed or the key was created, else 0.
/// Errors: WRONGTYPE (also for a string that is not a HyperLogLog),
/// `INVALIDOBJ Corrupted HLL object detected` (nothing is changed).
pub fn pfadd(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let elements = args.rest();
    let mut db = ctx.db();
    let (mut hll, mut updated) = match take_hll(&mut db, &key, ctx.now_ms)? {
        Some(hll) => (hll, false),
        None => (repr::new_sparse(), true),
    };
    for element in &elements {
        let (index, count) = hash::register_and_count(element);
        updated |= set_register(&mut hll, index, count).map_err(|_| corrupt())?;
    }
    if updated {
        repr::invalidate_cache(&mut hll);
    }
    // Stored back even when unchanged: a dense value was moved out.
    store(&mut db, key, hll, ctx.now_ms);
    if updated {
        db.log(ctx.now_ms, args.argv());
    }
    Ok(Reply::Integer(updated as i64))
}

/// `PFCOUNT key [key ...]` — the estimated cardinality of one HyperLogLog,
/// or of the union of several (missing keys count as empty).
///
/// With one key the estimate is cached in the value (a change of the
/// string, logged as `PFCOUNT key`). Reply: integer. Errors as [`pfadd`].
pub fn pfcount(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let keys = args.rest();
    let mut db = ctx.db();
    if keys.len() > 1 {
        let mut max = vec![0u8; REGISTERS];
        for key in &keys {
            if let Some(hll) = read_hll(&mut db, key, ctx.now_ms)? {
                repr::merge_into(&mut max, &hll).map_err(|_| corrupt())?;
            }
        }
        let card = estimate::cardinality(&repr::raw_histogram(&max));
        return Ok(Reply::Integer(card as i64));
    }
    let key = &keys[0];
    let Some(hll) = read_hll(&mut db, key, ctx.now_ms)? else {
        return Ok(Reply::Integer(0));
    };
    if let Some(card) = repr::cached_card(&hll) {
        return Ok(Reply::Integer(card as i64));
    }
    let histo = repr::histogram(&hll).map_err(|_| corrupt())?;
    let card = estimate::cardinality(&histo);
    drop(hll);
    if let Some(mut hll) = take_hll(&mut db, key, ctx.now_ms)? {
        repr::set_cached_card(&mut hll, card);
        store(&mut db, key.clone(), hll, ctx.now_ms);
        db.log(ctx.now_ms, &[b"PFCOUNT".as_slice(), key]);
    }
    Ok(Reply::Integer(card as i64))
}

/// `PFMERGE destkey [sourcekey ...]` — stores at `destkey` the union of
/// `destkey` itself and the sources (missing ones count as empty). The
/// result is dense when any input is.
///
/// Reply: `OK`. Errors as [`pfadd`]. Always logged as sent.
pub fn pfmerge(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let keys = args.argv()[1..].to_vec();
    let mut db = ctx.db();
    let mut max = vec![0u8; REGISTERS];
    let mut use_dense = false;
    for key in &keys {
        if let Some(hll) = read_hll(&mut db, key, ctx.now_ms)? {
            use_dense |= hll[4] == repr::DENSE;
            repr::merge_into(&mut max, &hll).map_err(|_| corrupt())?;
        }
    }
    let dest = &keys[0];
    let mut hll = take_hll(&mut db, dest, ctx.now_ms)?.unwrap_or_else(repr::new_sparse);
    if use_dense {
        sparse::to_dense(&mut hll).map_err(|_| corrupt())?;
    }
    for (index, &count) in max.iter().enumerate() {
        if count != 0 {
            // As Redis, a corrupt destination leaves the rest unmerged.
            let _ = set_register(&mut hll, index, count);
        }
    }
    repr::invalidate_cache(&mut hll);
    store(&mut db, dest.clone(), hll, ctx.now_ms);
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::ok())
}

/// The HyperLogLog family's commands.
pub fn commands() -> Vec<CommandSpec> {
    vec![
        CommandSpec::new("pfadd", -2, pfadd)
            .key_specs(&const { [KeySpecDef::range(&["RW", "insert"], 1, 0, 1)] })
            .flags(&["write", "denyoom", "fast"])
            .categories(&["write", "hyperloglog", "fast"])
            .keys(1, 1, 1)
            .doc(
                "hyperloglog",
                "2.8.9",
                "Adds the specified elements to the specified HyperLogLog.",
                "key [element [element ...]]",
            ),
        CommandSpec::new("pfcount", -2, pfcount)
            .key_specs(
                &const {
                    [KeySpecDef::range(&["RW", "access"], 1, -1, 1).notes(
                        "RW because it may change the internal representation of the key, and propagate to replicas",
                    )]
                },
            )
            .flags(&["readonly"])
            .categories(&["read", "hyperloglog", "slow"])
            .keys(1, -1, 1)
            .doc(
                "hyperloglog",
                "2.8.9",
                "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
                "key [key ...]",
            ),
        CommandSpec::new("pfmerge", -2, pfmerge)
            .key_specs(
                &const {
                    [
                        KeySpecDef::range(&["RW", "access", "insert"], 1, 0, 1),
                        KeySpecDef::range(&["RO", "access"], 2, -1, 1),
                    ]
                },
            )
            .flags(&["write", "denyoom"])
            .categories(&["write", "hyperloglog", "slow"])
            .keys(1, -1, 1)
            .doc(
                "hyperloglog",
                "2.8.9",
                "Merge N different HyperLogLogs into a single one.",
                "destkey [sourcekey [sourcekey ...]]",
            ),
    ]
}
