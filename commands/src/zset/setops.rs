//! Set algebra over sorted sets: ZUNION, ZINTER, ZDIFF, their STORE
//! forms, and ZINTERCARD (Redis 7.0's `zunionInterDiffGenericCommand`).
//!
//! Inputs may be sorted sets or plain sets (every member scoring 1); a
//! missing key is an empty input. Union and intersection visit the inputs
//! from the smallest to the largest, as Redis does, so floating-point sums
//! come out the same. A weighted score that is NaN (`inf × 0`) counts as
//! 0, and so does a sum of `inf` and `-inf`. The STORE forms log their
//! argv as sent when they stored a set or deleted an existing
//! destination.

use std::cmp::Ordering;

use bytes::Bytes;
use indexmap::IndexMap;
use indexmap::map::Entry;

use super::output::{Shape, pairs_reply, store_result};
use super::score::parse_score;
use super::sorted::Score;
use super::value::ZSetValue;
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::read_with;
use crate::keyspace::{Db, Value};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;
use crate::set::SetValue;

/// The operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

/// How scores of one member in several inputs combine.
#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Redis's `zunionInterAggregate`: NaN sums become 0; MIN/MAX keep the
    /// current value when the other is NaN.
    fn apply(self, target: &mut f64, value: f64) {
        match self {
            Aggregate::Sum => {
                *target += value;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min if value < *target => *target = value,
            Aggregate::Max if value > *target => *target = value,
            Aggregate::Min | Aggregate::Max => {}
        }
    }
}

/// One input.
enum Source<'a> {
    Missing,
    Sorted(&'a ZSetValue),
    Plain(&'a SetValue),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::Sorted(z) => z.len(),
            Source::Plain(s) => s.len(),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::Sorted(z) => z.score(member),
            Source::Plain(s) => s.contains(member).then_some(1.0),
        }
    }

    fn pairs(&self) -> Box<dyn Iterator<Item = (Bytes, f64)> + '_> {
        match self {
            Source::Missing => Box::new(std::iter::empty()),
            Source::Sorted(z) => Box::new(z.iter().map(|(m, s)| (m.clone(), s))),
            Source::Plain(s) => Box::new(s.members().map(|m| (m, 1.0))),
        }
    }
}

/// The options after the keys.
struct Options {
    weights: Vec<f64>,
    aggregate: Aggregate,
    withscores: bool,
    /// `ZINTERCARD ... LIMIT`; 0 for none.
    limit: u64,
}

/// Which command is running: the operation, whether it stores, whether it
/// only counts (`ZINTERCARD`).
#[derive(Clone, Copy)]
struct Mode {
    op: Op,
    store: bool,
    card: bool,
}

impl Mode {
    const fn new(op: Op, store: bool, card: bool) -> Mode {
        Mode { op, store, card }
    }
}

/// Reads `numkeys key [key ...]`. Errors: `ERR value is not an integer or
/// out of range`, `ERR at least 1 input key is needed for '<cmd>' command`,
/// `ERR syntax error` when fewer keys follow.
fn parse_keys(args: &mut Parse) -> Result<Vec<Bytes>> {
    let numkeys = parse_i64(&args.next_bytes()?).ok_or_else(CommandError::not_integer)?;
    if numkeys < 1 {
        return Err(CommandError::err(format!(
            "at least 1 input key is needed for '{}' command",
            args.name()
        )));
    }
    if numkeys > args.remaining() as i64 {
        return Err(CommandError::syntax());
    }
    (0..numkeys).map(|_| args.next_bytes()).collect()
}

/// Parses the options as Redis's loop does: `WEIGHTS` needs a weight per
/// key, `AGGREGATE SUM|MIN|MAX` (not for ZDIFF or ZINTERCARD),
/// `WITHSCORES` (reads only), `LIMIT` (ZINTERCARD only). Errors: `ERR
/// weight value is not a float`, `ERR LIMIT can't be negative`, `ERR
/// syntax error`.
fn parse_options(opts: &[Bytes], keys: usize, mode: Mode) -> Result<Options> {
    let mut parsed = Options {
        weights: vec![1.0; keys],
        aggregate: Aggregate::Sum,
        withscores: false,
        limit: 0,
    };
    let combines = mode.op != Op::Diff && !mode.card;
    let mut j = 0;
    while j < opts.len() {
        let left = opts.len() - j;
        let is = |name: &str| opts[j].eq_ignore_ascii_case(name.as_bytes());
        if combines && left > keys && is("WEIGHTS") {
            for (i, raw) in opts[j + 1..=j + keys].iter().enumerate() {
                parsed.weights[i] = parse_score(raw)
                    .ok_or_else(|| CommandError::err("weight value is not a float"))?;
            }
            j += 1 + keys;
        } else if combines && left >= 2 && is("AGGREGATE") {
            parsed.aggregate = match opts[j + 1].to_ascii_uppercase().as_slice() {
                b"SUM" => Aggregate::Sum,
                b"MIN" => Aggregate::Min,
                b"MAX" => Aggregate::Max,
                _ => return Err(CommandError::syntax()),
            };
            j += 2;
        } else if !mode.store && !mode.card && is("WITHSCORES") {
            parsed.withscores = true;
            j += 1;
        } else if mode.card && left >= 2 && is("LIMIT") {
            let limit = parse_i64(&opts[j + 1])
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| CommandError::err("LIMIT can't be negative"))?;
            parsed.limit = limit;
            j += 2;
        } else {
            return Err(CommandError::syntax());
        }
    }
    Ok(parsed)
}

/// Looks each input up as a read (hits and misses counted, expired keys
/// removed). Error: WRONGTYPE for a key that is neither kind of set.
fn check_inputs(db: &mut Db, keys: &[Bytes], now_ms: i64) -> Result<()> {
    for key in keys {
        read_with(db, key, now_ms, |entry| match entry.value {
            Value::ZSet(_) | Value::Set(_) => Ok(()),
            _ => Err(CommandError::wrong_type()),
        })
        .transpose()?;
    }
    Ok(())
}

/// The inputs as they are stored now (after [`check_inputs`]).
fn sources<'a>(db: &'a Db, keys: &[Bytes]) -> Vec<Source<'a>> {
    keys.iter()
        .map(|key| match db.stored(key).map(|e| &e.value) {
            Some(Value::ZSet(z)) => Source::Sorted(z),
            Some(Value::Set(s)) => Source::Plain(s),
            _ => Source::Missing,
        })
        .collect()
}

/// The result of the operation (unordered), or only its size for
/// ZINTERCARD (stopping at `limit` when not 0).
enum Outcome {
    Pairs(Vec<(Bytes, f64)>),
    Count(u64),
}

fn compute(inputs: Vec<Source<'_>>, opts: &Options, mode: Mode) -> Outcome {
    let mut inputs: Vec<(Source<'_>, f64)> = inputs
        .into_iter()
        .zip(opts.weights.iter().copied())
        .collect();
    if mode.op == Op::Diff {
        let (first, rest) = inputs.split_first().expect("numkeys is at least 1");
        let pairs = first
            .0
            .pairs()
            .filter(|(m, _)| rest.iter().all(|(src, _)| src.score(m).is_none()))
            .collect();
        return Outcome::Pairs(pairs);
    }
    inputs.sort_by_key(|(src, _)| src.len());
    let weighted = |score: f64, weight: f64| {
        let value = score * weight;
        if value.is_nan() { 0.0 } else { value }
    };
    if mode.op == Op::Union {
        let mut acc: IndexMap<Bytes, f64> = IndexMap::new();
        for (src, weight) in &inputs {
            for (member, score) in src.pairs() {
                let value = weighted(score, *weight);
                match acc.entry(member) {
                    Entry::Occupied(mut e) => opts.aggregate.apply(e.get_mut(), value),
                    Entry::Vacant(e) => {
                        e.insert(value);
                    }
                }
            }
        }
        return Outcome::Pairs(acc.into_iter().collect());
    }
    let (smallest, others) = inputs.split_first().expect("numkeys is at least 1");
    let (mut pairs, mut count) = (Vec::new(), 0u64);
    'members: for (member, score) in smallest.0.pairs() {
        let mut total = weighted(score, smallest.1);
        for (src, weight) in others {
            let Some(other) = src.score(&member) else {
                continue 'members;
            };
            opts.aggregate.apply(&mut total, other * weight);
        }
        if mode.card {
            count += 1;
            if opts.limit != 0 && count >= opts.limit {
                break;
            }
        } else {
            pairs.push((member, total));
        }
    }
    if mode.card {
        Outcome::Count(count)
    } else {
        Outcome::Pairs(pairs)
    }
}

/// Sorts pairs into a sorted set's order: by score, then member.
fn sort_pairs(pairs: &mut [(Bytes, f64)]) {
    pairs.sort_by(|a, b| match Score(a.1).cmp(&Score(b.1)) {
        Ordering::Equal => a.0.cmp(&b.0),
        other => other,
    });
}

/// Runs one of the commands: `dst` for the STORE forms.
fn generic(ctx: &mut Ctx, args: &mut Parse, mode: Mode) -> Result<Reply> {
    let dst = if mode.store {
        Some(args.next_bytes()?)
    } else {
        None
    };
    let keys = parse_keys(args)?;
    let now = ctx.now_ms;
    let resp3 = ctx.resp3();
    let mut db = ctx.db();
    check_inputs(&mut db, &keys, now)?;
    let opts = parse_options(&args.rest(), keys.len(), mode)?;
    let outcome = compute(sources(&db, &keys), &opts, mode);
    let mut pairs = match outcome {
        Outcome::Count(n) => return Ok(Reply::Integer(n as i64)),
        Outcome::Pairs(pairs) => pairs,
    };
    let Some(dst) = dst else {
        sort_pairs(&mut pairs);
        return Ok(pairs_reply(
            pairs,
            Shape::with_scores(opts.withscores, resp3),
        ));
    };
    let (stored, replaced) = store_result(&mut db, dst, pairs, now, args.argv());
    drop(db);
    drop(replaced);
    Ok(Reply::Integer(stored as i64))
}

/// ```text
/// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]]
///     [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]
/// ```
///
/// Reply: the members of any input, by resulting score (RESP3 pairs with
/// `WITHSCORES`). Errors: see [`parse_keys`] and [`parse_options`];
/// WRONGTYPE (checked before the options).
pub fn zunion(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    generic(ctx, args, Mode::new(Op::Union, false, false))
}

/// `ZINTER numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...] [WITHSCORES]`
/// — the members of every input. Reply and errors as [`zunion`].
pub fn zinter(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    generic(ctx, args, Mode::new(Op::Inter, false, false))
}

/// `ZDIFF numkeys key [key ...] [WITHSCORES]` — the members of the first
/// input in none of the others, with their first scores.
pub fn zdiff(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    generic(ctx, args, Mode::new(Op::Diff, false, false))
}

/// `ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS ...]
/// [AGGREGATE ...]` — stores the union at `destination` (deleting it when
/// empty). Reply: the stored size.
pub fn zunionstore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    generic(ctx, args, Mode::new(Op::Union, true, false))
}

/// `ZINTERSTORE destination numkeys key [key ...] [WEIGHTS ...]
/// [AGGREGATE ...]` — as [`zunionstore`] for the intersection.
pub fn zinterstore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    generic(ctx, args, Mode::new(Op::Inter, true, false))
}

/// `ZDIFFSTORE destination numkeys key [key ...]` — as [`zunionstore`]
/// for the difference.
pub fn zdiffstore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    generic(ctx, args, Mode::new(Op::Diff, true, false))
}

/// `ZINTERCARD numkeys key [key ...] [LIMIT limit]` — the size of the
/// intersection, counting no further than `limit` (0: no limit).
///
/// Reply: integer. Errors: see [`parse_keys`], `ERR LIMIT can't be
/// negative`, `ERR syntax error`, WRONGTYPE.
pub fn zintercard(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    generic(ctx, args, Mode::new(Op::Inter, false, true))
}
