//! `SORT` and `SORT_RO`, as Redis 7.0's `sort.c`: the elements of a list,
//! set or sorted set, ordered numerically or (`ALPHA`) by bytes, optionally
//! by the values of other keys (`BY pattern`, `key->field` for hash
//! fields), paged (`LIMIT`), projected (`GET pattern`, `#` for the element)
//! and stored as a list (`STORE`).
//!
//! Ties are broken by comparing the elements' bytes, as Redis does, so the
//! order is deterministic; `STORE` is logged as the result it stored
//! (`DEL dst` then `RPUSH dst ...`). `COMMAND INFO` gives the source key's
//! spec only: Redis's specs for the BY/GET keys (type "unknown") and the
//! STORE destination are not expressible in the command table yet.

use std::cmp::Ordering;

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keyspace::{Db, Value};
use crate::list::ListValue;
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;
use crate::table::{CommandSpec, KeySpecDef};

/// `SORT` and `SORT_RO`.
pub fn commands() -> Vec<CommandSpec> {
    const CATS: &[&str] = &["write", "set", "sortedset", "list", "slow", "dangerous"];
    const RO_CATS: &[&str] = &["read", "set", "sortedset", "list", "slow", "dangerous"];
    vec![
        CommandSpec::new("sort", -2, sort)
            .flags(&["write", "denyoom", "movablekeys"])
            .categories(CATS)
            .keys(1, 1, 1)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1)] })
            .doc(
                "generic",
                "1.0.0",
                "Sort the elements in a list, set or sorted set",
                "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]",
            ),
        CommandSpec::new("sort_ro", -2, sort_ro)
            .flags(&["readonly", "movablekeys"])
            .categories(RO_CATS)
            .keys(1, 1, 1)
            .key_specs(&const { [KeySpecDef::range(&["RO", "access"], 1, 0, 1)] })
            .doc(
                "generic",
                "7.0.0",
                "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
                "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]",
            ),
    ]
}

/// The parsed options.
#[derive(Default)]
struct Options {
    by: Option<Bytes>,
    limit: Option<(i64, i64)>,
    gets: Vec<Bytes>,
    desc: bool,
    alpha: bool,
    store: Option<Bytes>,
}

fn parse_options(args: &mut Parse, read_only: bool) -> Result<Options> {
    let mut o = Options::default();
    while let Some(word) = args.try_next() {
        match word.to_ascii_uppercase().as_slice() {
            b"ASC" => o.desc = false,
            b"DESC" => o.desc = true,
            b"ALPHA" => o.alpha = true,
            b"LIMIT" if args.remaining() >= 2 => {
                let offset =
                    parse_i64(&args.next_bytes()?).ok_or_else(CommandError::not_integer)?;
                let count = parse_i64(&args.next_bytes()?).ok_or_else(CommandError::not_integer)?;
                o.limit = Some((offset, count));
            }
            b"STORE" if !read_only && args.remaining() >= 1 => o.store = Some(args.next_bytes()?),
            b"BY" if args.remaining() >= 1 => o.by = Some(args.next_bytes()?),
            b"GET" if args.remaining() >= 1 => o.gets.push(args.next_bytes()?),
            _ => return Err(CommandError::syntax()),
        }
    }
    Ok(o)
}

/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
/// [ALPHA] [STORE destination]`
///
/// Reply: the sorted elements (or the `GET` values, nil for missing ones);
/// with `STORE`, the number of elements stored. Errors: `ERR syntax error`;
/// `ERR value is not an integer or out of range` (LIMIT); WRONGTYPE for a
/// key that is not a list, set or sorted set; `ERR One or more scores
/// can't be converted into double` when sorting numerically.
fn sort(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    sort_generic(ctx, args, false)
}

/// `SORT_RO`: `SORT` without `STORE`.
fn sort_ro(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    sort_generic(ctx, args, true)
}

fn sort_generic(ctx: &mut Ctx, args: &mut Parse, read_only: bool) -> Result<Reply> {
    let key = args.next_bytes()?;
    let mut o = parse_options(args, read_only)?;
    let now = ctx.now_ms;
    let mut db = ctx.db();
    let (mut elements, is_set, is_zset) = match db.get(&key, now).map(|e| &e.value) {
        None => (Vec::new(), false, false),
        Some(Value::List(l)) => (l.items.iter().cloned().collect(), false, false),
        Some(Value::Set(s)) => (s.members().collect(), true, false),
        Some(Value::ZSet(z)) => (z.iter().map(|(m, _)| m.clone()).collect(), false, true),
        Some(_) => return Err(CommandError::wrong_type()),
    };
    let mut dont_sort = o.by.as_ref().is_some_and(|p| !p.contains(&b'*'));
    // A set has no order of its own: when its order would leak into a
    // stored result, Redis sorts it by bytes to stay deterministic.
    if dont_sort && is_set && o.store.is_some() {
        dont_sort = false;
        o.alpha = true;
        o.by = None;
    }
    if dont_sort {
        if is_zset && o.desc {
            elements.reverse();
        }
    } else {
        sort_elements(&mut db, &mut elements, &o, now)?;
    }
    let elements = apply_limit(elements, o.limit);
    let output: Vec<Option<Bytes>> = if o.gets.is_empty() {
        elements.into_iter().map(Some).collect()
    } else {
        elements
            .iter()
            .flat_map(|e| {
                o.gets
                    .iter()
                    .map(|g| lookup(&mut db, g, e, now))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let Some(dst) = o.store else {
        return Ok(Reply::Array(
            output.into_iter().map(Reply::bulk_or_null).collect(),
        ));
    };
    let items: std::collections::VecDeque<Bytes> =
        output.into_iter().map(Option::unwrap_or_default).collect();
    let stored = items.len() as i64;
    let replaced = if items.is_empty() {
        db.remove(&dst).map(|e| e.value)
    } else {
        let value = Value::List(Box::new(ListValue {
            items: items.clone(),
        }));
        db.insert(dst.clone(), value, None, now).map(|e| e.value)
    };
    if replaced.is_some() || stored > 0 {
        db.log(now, &[b"DEL".as_slice(), &dst]);
    }
    if stored > 0 {
        let mut argv = vec![Bytes::from_static(b"RPUSH"), dst.clone()];
        argv.extend(items);
        db.log(now, &argv);
    }
    drop(db);
    drop(replaced);
    Ok(Reply::Integer(stored))
}

/// Orders `elements` by their weights (the elements, or the `BY` values).
fn sort_elements(db: &mut Db, elements: &mut Vec<Bytes>, o: &Options, now: i64) -> Result<()> {
    let weights: Vec<Option<Bytes>> = elements
        .iter()
        .map(|e| match &o.by {
            Some(pattern) => lookup(db, pattern, e, now),
            None => Some(e.clone()),
        })
        .collect();
    let mut keyed: Vec<(Bytes, Weight)> = Vec::with_capacity(elements.len());
    for (element, weight) in elements.drain(..).zip(weights) {
        let weight = if o.alpha {
            Weight::Text(weight)
        } else {
            // A missing BY value weighs 0, as in Redis.
            let score = match &weight {
                None => 0.0,
                Some(w) => parse_score(w).ok_or_else(|| {
                    CommandError::err("One or more scores can't be converted into double")
                })?,
            };
            Weight::Number(score)
        };
        keyed.push((element, weight));
    }
    keyed.sort_by(|(ea, wa), (eb, wb)| {
        let cmp = match (wa, wb) {
            (Weight::Number(a), Weight::Number(b)) => a
                .partial_cmp(b)
                .unwrap_or(Ordering::Equal)
                .then_with(|| ea.cmp(eb)),
            // Without BY, ALPHA compares the elements themselves.
            (Weight::Text(a), Weight::Text(b)) => a.cmp(b),
            _ => Ordering::Equal,
        };
        if o.desc { cmp.reverse() } else { cmp }
    });
    elements.extend(keyed.into_iter().map(|(e, _)| e));
    Ok(())
}

enum Weight {
    Number(f64),
    /// `None` (a missing BY value) sorts first, as Redis's NULL.
    Text(Option<Bytes>),
}

/// A weight as `strtod` reads it: the whole string a number.
fn parse_score(raw: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(raw).ok()?;
    if text.is_empty() || text.starts_with(char::is_whitespace) {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| !v.is_nan())
}

/// `LIMIT offset count` as Redis applies it: a negative offset is 0, a
/// negative count means the rest.
fn apply_limit(elements: Vec<Bytes>, limit: Option<(i64, i64)>) -> Vec<Bytes> {
    let Some((offset, count)) = limit else {
        return elements;
    };
    let start = usize::try_from(offset.max(0)).unwrap_or(usize::MAX);
    let take = if count < 0 {
        usize::MAX
    } else {
        usize::try_from(count).unwrap_or(usize::MAX)
    };
    elements.into_iter().skip(start).take(take).collect()
}

/// The value `pattern` names for `element`: `#` is the element itself;
/// otherwise the first `*` is replaced by the element, and a `->field`
/// after it reads that hash field. `None` when the pattern has no `*`, the
/// key is missing, or holds another type.
fn lookup(db: &mut Db, pattern: &[u8], element: &Bytes, now: i64) -> Option<Bytes> {
    if pattern == b"#" {
        return Some(element.clone());
    }
    let star = pattern.iter().position(|&b| b == b'*')?;
    let arrow = pattern[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&i| i + 2 < pattern.len());
    let key_end = arrow.unwrap_or(pattern.len());
    let mut key = Vec::with_capacity(key_end + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    let value = &db.get(&key, now)?.value;
    match (value, arrow) {
        (Value::String(s), None) => Some(Bytes::copy_from_slice(s)),
        (Value::Hash(h), Some(a)) => h.get(&pattern[a + 2..]).map(Bytes::copy_from_slice),
        _ => None,
    }
}
