//! `BITOP`: AND, OR, XOR and NOT across strings, stored at a destination.

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::{read_with, string_of};
use crate::keyspace::{StringForm, StringValue, Value};
use crate::parse::Parse;
use crate::reply::Reply;

#[derive(Clone, Copy)]
enum Op {
    And,
    Or,
    Xor,
    Not,
}

fn parse_op(raw: &[u8]) -> Result<Op> {
    let op = match raw.to_ascii_lowercase().as_slice() {
        b"and" => Op::And,
        b"or" => Op::Or,
        b"xor" => Op::Xor,
        b"not" => Op::Not,
        _ => return Err(CommandError::syntax()),
    };
    Ok(op)
}

/// The result of `op` over `sources`, as long as the longest one; shorter
/// (and missing, empty) sources count as zero bytes.
fn combine(op: Op, sources: &[StringValue]) -> Vec<u8> {
    let len = sources.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![0u8; len];
    if let Op::Not = op {
        for (o, b) in out.iter_mut().zip(sources[0].iter()) {
            *o = !b;
        }
        return out;
    }
    out[..sources[0].len()].copy_from_slice(&sources[0]);
    for src in &sources[1..] {
        match op {
            Op::And => {
                for (i, o) in out.iter_mut().enumerate() {
                    *o &= src.get(i).copied().unwrap_or(0);
                }
            }
            Op::Or => out.iter_mut().zip(src.iter()).for_each(|(o, b)| *o |= b),
            Op::Xor => out.iter_mut().zip(src.iter()).for_each(|(o, b)| *o ^= b),
            Op::Not => unreachable!("NOT returned above"),
        }
    }
    out
}

/// `BITOP <AND | OR | XOR | NOT> destkey key [key ...]` — stores the
/// bitwise operation of the source strings at `destkey` (its TTL cleared).
/// Missing sources are empty strings; an empty result deletes `destkey`.
///
/// Reply: the length of the stored string. Errors: `ERR syntax error`
/// (unknown operation), `ERR BITOP NOT must be called with a single source
/// key.`, WRONGTYPE (a source is not a string; `destkey` may be of any
/// type). Logged as sent when it stored or deleted something.
pub fn bitop(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let op = parse_op(&args.next_bytes()?)?;
    let dest = args.next_bytes()?;
    let keys = args.rest();
    if matches!(op, Op::Not) && keys.len() != 1 {
        return Err(CommandError::err(
            "BITOP NOT must be called with a single source key.",
        ));
    }
    let mut db = ctx.db();
    let mut sources = Vec::with_capacity(keys.len());
    for key in &keys {
        // Shared with the keyspace (no copy).
        let value = read_with(&mut db, key, ctx.now_ms, |e| string_of(&e.value).cloned());
        sources.push(value.transpose()?.unwrap_or_default());
    }
    let result = combine(op, &sources);
    let len = result.len();
    let replaced = if len > 0 {
        let old = db.insert(
            dest.clone(),
            Value::String(StringValue::from_slice(&result)),
            None,
            ctx.now_ms,
        );
        db.set_string_form(&dest, StringForm::Raw);
        db.log(ctx.now_ms, args.argv());
        old
    } else {
        let old = db
            .contains(&dest, ctx.now_ms)
            .then(|| db.remove(&dest))
            .flatten();
        if old.is_some() {
            db.log(ctx.now_ms, args.argv());
        }
        old
    };
    drop(db);
    // The replaced value (any type) is freed off the lock.
    drop(replaced);
    Ok(Reply::Integer(len as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorter_sources_are_zero_padded() {
        let a = StringValue::from_slice(&[0xff, 0xf0]);
        let b = StringValue::from_slice(&[0x0f]);
        assert_eq!(combine(Op::And, &[a.clone(), b.clone()]), vec![0x0f, 0x00]);
        assert_eq!(combine(Op::Or, &[b.clone(), a.clone()]), vec![0xff, 0xf0]);
        assert_eq!(combine(Op::Xor, &[a.clone(), b]), vec![0xf0, 0xf0]);
        assert_eq!(combine(Op::Not, &[a]), vec![0x00, 0x0f]);
        assert!(combine(Op::Or, &[StringValue::default()]).is_empty());
    }
}
