//! Counters: INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT. The value stays a
//! string; each command parses it, adds, and stores the decimal result,
//! keeping the key's TTL. Matches Redis 7.0's `incrDecrCommand` and
//! `incrbyfloatCommand`, and logs to the AOF as they propagate: the integer
//! commands as they were sent, `INCRBYFLOAT` as the `SET ... KEEPTTL` of its
//! result (float arithmetic may differ between builds).

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::string_of;
use crate::keyspace::{StringForm, StringValue, Value};
use crate::parse::{Parse, parse_f64, parse_i64};
use crate::reply::Reply;

/// `INCR key` — adds 1 to the integer at `key` (a missing key counts as 0).
///
/// Reply: the new value. Errors: `ERR value is not an integer or out of range`,
/// `ERR increment or decrement would overflow`, WRONGTYPE.
pub fn incr(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_key()?;
    args.finish()?;
    incr_by(ctx, args, key, 1)
}

/// `DECR key` — subtracts 1; see [`incr`].
pub fn decr(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_key()?;
    args.finish()?;
    incr_by(ctx, args, key, -1)
}

/// `INCRBY key increment` — adds `increment`; see [`incr`].
pub fn incrby(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_key()?;
    let delta = args.next_i64()?;
    args.finish()?;
    incr_by(ctx, args, key, delta)
}

/// `DECRBY key decrement` — subtracts `decrement`; see [`incr`].
/// Extra error: `ERR decrement would overflow` for -9223372036854775808.
pub fn decrby(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_key()?;
    let delta = args.next_i64()?;
    args.finish()?;
    let Some(negated) = delta.checked_neg() else {
        return Err(CommandError::err("decrement would overflow"));
    };
    incr_by(ctx, args, key, negated)
}

/// Adds `delta` to the integer at `key` and logs the command as sent.
fn incr_by(ctx: &mut Ctx, args: &Parse, key: Bytes, delta: i64) -> Result<Reply> {
    let mut db = ctx.db();
    let overflow = || CommandError::err("increment or decrement would overflow");
    // One lookup: an existing string is updated in place, keeping its TTL.
    let next = match db.get(&key, ctx.now_ms) {
        None => {
            let next = delta;
            db.insert(key, Value::String(integer_text(next)), None, ctx.now_ms);
            next
        }
        Some(entry) => {
            let Value::String(stored) = &mut entry.value else {
                return Err(CommandError::wrong_type());
            };
            let current = parse_i64(stored).ok_or_else(CommandError::not_integer)?;
            let next = current.checked_add(delta).ok_or_else(overflow)?;
            // Rewritten in place: a number's text fits the allocation the
            // last one had, give or take a digit.
            stored.assign(itoa::Buffer::new().format(next).as_bytes());
            entry.string_form = StringForm::Encoded;
            next
        }
    };
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::Integer(next))
}

/// `INCRBYFLOAT key increment` — adds a float to the number at `key` (a
/// missing key counts as 0) and stores the result in decimal notation,
/// never with an exponent and without trailing zeros.
///
/// Reply: the new value as a bulk string. Errors: `ERR value is not a valid
/// float` (argument or stored value), `ERR increment would produce NaN or
/// Infinity`, WRONGTYPE. Logged as `SET key <new value> KEEPTTL`.
///
/// Arithmetic is `f64` with the shortest round-trip decimal form, where Redis
/// uses the platform's `long double` and `%.17Lf`: results agree for
/// ordinary values (`10.5 + 0.1 = 10.6`) and may differ in the last digits
/// where `long double` keeps extra precision.
pub fn incrbyfloat(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let delta = args.next_f64()?;
    args.finish()?;
    let mut db = ctx.db();
    let current = match db.get(&key, ctx.now_ms) {
        None => 0.0,
        Some(entry) => parse_f64(string_of(&entry.value)?).ok_or_else(CommandError::not_float)?,
    };
    let next = current + delta;
    if !next.is_finite() {
        return Err(CommandError::err("increment would produce NaN or Infinity"));
    }
    let text = Bytes::from(format_float(next));
    db.set_keep_ttl(
        key.clone(),
        Value::String(StringValue::from_slice(&text)),
        ctx.now_ms,
    );
    // Redis builds the result as text, never as a shared integer.
    db.set_string_form(&key, StringForm::Text);
    db.log(ctx.now_ms, &[&b"SET"[..], &key, &text, b"KEEPTTL"]);
    Ok(Reply::Bulk(text))
}

/// A finite float in plain decimal notation, shortest digits that parse back
/// to the same value, no exponent, no trailing zeros (`3`, `10.6`,
/// `0.00001`, `110000000000000000000`).
fn format_float(value: f64) -> String {
    // Rust's `Display` for f64 is exactly this: shortest round-trip digits,
    // positional notation at every magnitude.
    format!("{value}")
}

/// `n` in decimal, as a string value: formatted on the stack, then one
/// exactly-sized allocation.
fn integer_text(n: i64) -> StringValue {
    StringValue::from_slice(itoa::Buffer::new().format(n).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::{format_float, integer_text};

    #[test]
    fn floats_print_like_redis_human_form() {
        assert_eq!(format_float(3.0), "3");
        assert_eq!(format_float(10.5 + 0.1), "10.6");
        assert_eq!(format_float(1e-5), "0.00001");
        assert_eq!(format_float(1.5e-10), "0.00000000015");
        assert_eq!(format_float(1.1e20), "110000000000000000000");
        assert_eq!(format_float(17179869184.0 + 1.5), "17179869185.5");
        assert_eq!(format_float(-0.25), "-0.25");
    }

    #[test]
    fn integer_text_is_decimal_at_the_extremes() {
        for n in [i64::MIN, -1, 0, 7, 10, i64::MAX] {
            assert_eq!(&integer_text(n)[..], format!("{n}").as_bytes());
        }
    }
}
