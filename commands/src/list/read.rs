//! Reading lists: LLEN, LRANGE, LINDEX and LPOS (Redis 7.0's
//! `llenCommand`, `lrangeCommand`, `lindexCommand`, `lposCommand`). Each
//! counts a keyspace hit or miss.

use super::value::{parse_at_least, parse_index, position, read_list, span};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;

/// `LLEN key` — the number of elements.
///
/// Reply: integer (0 when there is no key). Errors: WRONGTYPE.
pub fn llen(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    args.finish()?;
    let len = read_list(&mut ctx.db(), &key, ctx.now_ms, |list| list.items.len())?;
    Ok(Reply::Integer(len.unwrap_or(0) as i64))
}

/// `LRANGE key start stop` — the elements from `start` to `stop`
/// inclusive (negative from the tail, clamped to the list).
///
/// Reply: array of bulk strings (empty when there is no key or the range
/// is empty). Errors: `ERR value is not an integer or out of range`
/// (checked before the key), WRONGTYPE.
pub fn lrange(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_key()?;
    let start = parse_index(&args.next_bytes()?)?;
    let stop = parse_index(&args.next_bytes()?)?;
    args.finish()?;
    let reply = read_list(&mut ctx.db(), &key, ctx.now_ms, |list| {
        let range =
            span(start, stop, list.items.len()).map_or(0..0, |(first, last)| first..last + 1);
        Reply::bulk_array_copied(list.items.range(range).map(|item| &item[..]))
    })?;
    Ok(reply.unwrap_or_else(|| Reply::Array(Vec::new())))
}

/// `LINDEX key index` — the element at `index` (negative from the tail).
///
/// Reply: bulk string, or null when there is no key or `index` is outside
/// the list. Errors: WRONGTYPE, then `ERR value is not an integer or out
/// of range` (the key is looked up first, as Redis).
pub fn lindex(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let index = args.next_bytes()?;
    args.finish()?;
    let item = read_list(&mut ctx.db(), &key, ctx.now_ms, |list| {
        let index = parse_index(&index)?;
        Ok(position(index, list.items.len()).map(|at| list.items[at].clone()))
    })?;
    Ok(Reply::bulk_or_null(item.transpose()?.flatten()))
}

/// The options of `LPOS`.
struct PosOptions {
    /// Which match to start from (1 = the first from the head, -1 the first
    /// from the tail).
    rank: i64,
    /// `COUNT`: how many matches to return (0 = all); `None` when not given
    /// (the reply is then a single index).
    count: Option<i64>,
    /// `MAXLEN`: how many elements to compare at most (0 = all).
    maxlen: i64,
}

fn parse_pos_options(args: &mut Parse) -> Result<PosOptions> {
    let mut opts = PosOptions {
        rank: 1,
        count: None,
        maxlen: 0,
    };
    while let Some(option) = args.try_next() {
        let more = !args.is_empty();
        if more && option.eq_ignore_ascii_case(b"rank") {
            opts.rank = parse_index(&args.next_bytes()?)?;
            if opts.rank == 0 {
                return Err(CommandError::err(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
        } else if more && option.eq_ignore_ascii_case(b"count") {
            let raw = args.next_bytes()?;
            opts.count = Some(parse_at_least(&raw, 0, "COUNT can't be negative")?);
        } else if more && option.eq_ignore_ascii_case(b"maxlen") {
            let raw = args.next_bytes()?;
            opts.maxlen = parse_at_least(&raw, 0, "MAXLEN can't be negative")?;
        } else {
            return Err(CommandError::syntax());
        }
    }
    Ok(opts)
}

/// `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]` — the
/// positions of `element`: scanning from the head (or from the tail for a
/// negative `RANK`), skipping the first `|rank| - 1` matches, comparing at
/// most `MAXLEN` elements.
///
/// Reply: without `COUNT`, the index of the match or null; with `COUNT`, an
/// array of up to `COUNT` indexes (all for 0), empty when there is no key.
/// Errors (options are parsed before the key): `ERR RANK can't be zero:
/// ...`, `ERR COUNT can't be negative`, `ERR MAXLEN can't be negative`,
/// `ERR value is not an integer or out of range`, `ERR syntax error`,
/// WRONGTYPE.
pub fn lpos(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let element = args.next_bytes()?;
    let opts = parse_pos_options(args)?;
    let found = read_list(&mut ctx.db(), &key, ctx.now_ms, |list| {
        // Redis negates the rank in C `long` arithmetic: `RANK` of
        // LONG_MIN stays negative, so every match qualifies, and the
        // "enough matches" test below wraps the same way.
        let (from_tail, rank) = if opts.rank < 0 {
            (true, opts.rank.wrapping_neg())
        } else {
            (false, opts.rank)
        };
        let len = list.items.len();
        let scan = usize::try_from(opts.maxlen).unwrap_or(usize::MAX);
        let scan = if scan == 0 { len } else { scan.min(len) };
        let indexes: Box<dyn Iterator<Item = usize>> = if from_tail {
            Box::new((0..len).rev().take(scan))
        } else {
            Box::new((0..len).take(scan))
        };
        let mut matches: i64 = 0;
        let mut found = Vec::new();
        for at in indexes {
            if list.items[at] != element {
                continue;
            }
            matches += 1;
            if matches < rank {
                continue;
            }
            found.push(at as i64);
            match opts.count {
                None => break,
                Some(0) => {}
                Some(count) => {
                    if matches.wrapping_sub(rank).wrapping_add(1) >= count {
                        break;
                    }
                }
            }
        }
        found
    })?;
    Ok(match (opts.count, found) {
        (Some(_), found) => Reply::Array(
            found
                .unwrap_or_default()
                .into_iter()
                .map(Reply::Integer)
                .collect(),
        ),
        (None, found) => found
            .and_then(|f| f.first().copied())
            .map_or(Reply::Null, Reply::Integer),
    })
}
