//! Expiry: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with `NX|XX|GT|LT`), TTL,
//! PTTL, EXPIRETIME, PEXPIRETIME, PERSIST. Deadlines are absolute ms since
//! the epoch and every decision uses the command's `ctx.now_ms`. Matches
//! Redis 7.0's `expire.c`, and logs to the AOF as it propagates: a TTL set
//! as `PEXPIREAT key <ms>`, a key removed because its time had passed as
//! `DEL key`, a TTL removed as `PERSIST key`.

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::peek_with;
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// The `NX|XX|GT|LT` condition of the EXPIRE group.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Condition {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl Condition {
    /// Reads the options. Errors, as Redis 7.0: `ERR Unsupported option <opt>`,
    /// `ERR NX and XX, GT or LT options at the same time are not compatible`,
    /// `ERR GT and LT options at the same time are not compatible`.
    fn parse(args: &mut Parse) -> Result<Condition> {
        let mut c = Condition::default();
        while let Some(opt) = args.try_next() {
            match opt.to_ascii_uppercase().as_slice() {
                b"NX" => c.nx = true,
                b"XX" => c.xx = true,
                b"GT" => c.gt = true,
                b"LT" => c.lt = true,
                _ => {
                    return Err(CommandError::err(format!(
                        "Unsupported option {}",
                        String::from_utf8_lossy(&opt)
                    )));
                }
            }
        }
        if c.nx && (c.xx || c.gt || c.lt) {
            return Err(CommandError::err(
                "NX and XX, GT or LT options at the same time are not compatible",
            ));
        }
        if c.gt && c.lt {
            return Err(CommandError::err(
                "GT and LT options at the same time are not compatible",
            ));
        }
        Ok(c)
    }

    /// Whether a key whose deadline is `current` (`None`: no TTL, i.e.
    /// infinite) may get the deadline `new`.
    fn allows(self, current: Option<i64>, new: i64) -> bool {
        if self.nx && current.is_some() {
            return false;
        }
        if self.xx && current.is_none() {
            return false;
        }
        if self.gt && current.is_none_or(|c| new <= c) {
            return false;
        }
        if self.lt && current.is_some_and(|c| new >= c) {
            return false;
        }
        true
    }
}

/// `EXPIRE key seconds [NX | XX | GT | LT]` — sets a TTL in seconds.
///
/// Reply: 1 when the TTL was set (or the key deleted because the time is not
/// in the future), 0 when the key does not exist or the condition failed.
/// Errors: see [`Condition::parse`]; `ERR value is not an integer or out of
/// range`; `ERR invalid expire time in 'expire' command` on overflow.
pub fn expire(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    expire_generic(ctx, args, true, false)
}

/// `PEXPIRE key milliseconds [NX | XX | GT | LT]` — see [`expire`].
pub fn pexpire(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    expire_generic(ctx, args, false, false)
}

/// `EXPIREAT key unix-time-seconds [NX | XX | GT | LT]` — see [`expire`].
pub fn expireat(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    expire_generic(ctx, args, true, true)
}

/// `PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]` — see [`expire`].
pub fn pexpireat(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    expire_generic(ctx, args, false, true)
}

fn expire_generic(ctx: &mut Ctx, args: &mut Parse, seconds: bool, absolute: bool) -> Result<Reply> {
    let key = args.next_bytes()?;
    let raw = args.next_bytes()?;
    let condition = Condition::parse(args)?;
    let deadline = deadline(
        &raw,
        seconds,
        if absolute { 0 } else { ctx.now_ms },
        args.name(),
    )?;
    let mut db = ctx.db();
    let Some(current) = db.peek(&key, ctx.now_ms).map(|e| e.expire_at()) else {
        return Ok(Reply::Integer(0));
    };
    if !condition.allows(current, deadline) {
        return Ok(Reply::Integer(0));
    }
    if deadline <= ctx.now_ms {
        let removed = db.remove(&key);
        db.log(ctx.now_ms, &[&b"DEL"[..], &key]);
        drop(db);
        // Freed off the lock: it may be a large session.
        drop(removed);
    } else {
        db.set_expire(&key, Some(deadline), ctx.now_ms);
        // The condition held here, so it would hold on replay too: left out.
        let at = deadline.to_string();
        db.log(ctx.now_ms, &[&b"PEXPIREAT"[..], &key, at.as_bytes()]);
    }
    Ok(Reply::Integer(1))
}

/// The absolute deadline in ms for an EXPIRE-group argument added to
/// `base_ms` (now for relative commands, 0 for the `AT` ones). Negative
/// values are allowed (they delete the key); overflow is an error, as Redis.
fn deadline(raw: &[u8], seconds: bool, base_ms: i64, command: &str) -> Result<i64> {
    let invalid = || CommandError::err(format!("invalid expire time in '{command}' command"));
    let value = parse_i64(raw).ok_or_else(CommandError::not_integer)?;
    let ms = if seconds {
        value.checked_mul(1000).ok_or_else(invalid)?
    } else {
        value
    };
    ms.checked_add(base_ms).ok_or_else(invalid)
}

/// `TTL key` — remaining time to live in seconds (rounded to nearest).
///
/// Reply: integer; -2 when the key does not exist, -1 when it has no TTL.
pub fn ttl(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    ttl_generic(ctx, args, false, false)
}

/// `PTTL key` — remaining time to live in ms; -2 / -1 as [`ttl`].
pub fn pttl(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    ttl_generic(ctx, args, true, false)
}

/// `EXPIRETIME key` — the absolute deadline in Unix seconds; -2 / -1 as [`ttl`].
pub fn expiretime(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    ttl_generic(ctx, args, false, true)
}

/// `PEXPIRETIME key` — the absolute deadline in Unix ms; -2 / -1 as [`ttl`].
pub fn pexpiretime(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    ttl_generic(ctx, args, true, true)
}

fn ttl_generic(ctx: &mut Ctx, args: &mut Parse, millis: bool, absolute: bool) -> Result<Reply> {
    let key = args.next_bytes()?;
    args.finish()?;
    let Some(expire_at) = peek_with(&mut ctx.db(), &key, ctx.now_ms, |e| e.expire_at()) else {
        return Ok(Reply::Integer(-2));
    };
    let Some(at) = expire_at else {
        return Ok(Reply::Integer(-1));
    };
    let ms = if absolute {
        at
    } else {
        at.saturating_sub(ctx.now_ms).max(0)
    };
    // Seconds round to the nearest, as Redis's `(ttl + 500) / 1000`.
    let value = if millis {
        ms
    } else {
        ((ms as i128 + 500) / 1000) as i64
    };
    Ok(Reply::Integer(value))
}

/// `PERSIST key` — removes the key's TTL.
///
/// Reply: 1 when a TTL was removed, 0 when the key has none or does not exist.
pub fn persist(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    args.finish()?;
    let mut db = ctx.db();
    let had_ttl = db
        .peek(&key, ctx.now_ms)
        .is_some_and(|e| e.expire_at().is_some());
    if had_ttl {
        db.set_expire(&key, None, ctx.now_ms);
        db.log(ctx.now_ms, args.argv());
    }
    Ok(Reply::Integer(had_ttl as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_follow_redis_7_rules() {
        let gt = Condition {
            gt: true,
            ..Default::default()
        };
        let lt = Condition {
            lt: true,
            ..Default::default()
        };
        let nx = Condition {
            nx: true,
            ..Default::default()
        };
        let xx = Condition {
            xx: true,
            ..Default::default()
        };
        // A key without TTL counts as infinite: GT never passes, LT always does.
        assert!(!gt.allows(None, 10));
        assert!(lt.allows(None, -5));
        assert!(gt.allows(Some(5), 6) && !gt.allows(Some(5), 5));
        assert!(lt.allows(Some(5), 4) && !lt.allows(Some(5), 5));
        assert!(nx.allows(None, 1) && !nx.allows(Some(1), 1));
        assert!(xx.allows(Some(1), 1) && !xx.allows(None, 1));
    }

    #[test]
    fn deadlines_overflow_into_errors() {
        let invalid = Err(CommandError::err("invalid expire time in 'expire' command"));
        assert_eq!(deadline(b"9223372036854775807", true, 0, "expire"), invalid);
        assert_eq!(
            deadline(b"-9223372036854775808", true, 0, "expire"),
            invalid
        );
        assert_eq!(
            deadline(b"9223372036854775807", false, 1, "expire"),
            invalid
        );
        assert_eq!(deadline(b"-5", true, 10_000, "expire"), Ok(5_000));
        assert_eq!(
            deadline(b"x", true, 0, "expire"),
            Err(CommandError::not_integer())
        );
    }
}
