//! The option grammar shared by `SET` and `GETEX`, and the conversion of an
//! expiry argument into an absolute deadline, as Redis 7.0's
//! `parseExtendedStringArgumentsOrReply` and `getExpireMillisecondsOrReply`.

use bytes::Bytes;

use crate::error::{CommandError, Result};
use crate::parse::{Parse, parse_i64};

/// Which command's options are being parsed: `SET` takes `NX|XX`, `GET` and
/// `KEEPTTL`; `GETEX` takes `PERSIST`; both take `EX|PX|EXAT|PXAT`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum OptionsFor {
    Set,
    GetEx,
}

/// What to do with the key's TTL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Expiry {
    /// No expiry option: `SET` clears the TTL, `GETEX` leaves it alone.
    Default,
    /// `KEEPTTL` (SET only).
    Keep,
    /// `PERSIST` (GETEX only).
    Persist,
    /// An absolute deadline, ms since the epoch (may already be past).
    At(i64),
}

/// Parsed `SET` / `GETEX` options.
#[derive(Debug)]
pub(super) struct Options {
    /// `NX`: only set when the key does not exist.
    pub nx: bool,
    /// `XX`: only set when the key exists.
    pub xx: bool,
    /// `GET`: reply with the old value.
    pub get: bool,
    /// The TTL action.
    pub expiry: Expiry,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Ex,
    Px,
    ExAt,
    PxAt,
}

/// Reads every remaining argument as an option of `which`, then converts the
/// expiry argument (only the last one given counts, as in Redis).
///
/// Errors, in Redis's order: `ERR syntax error` for an unknown, repeated
/// conflicting or value-less option; then `ERR value is not an integer or out
/// of range`; then `ERR invalid expire time in '<cmd>' command`.
pub(super) fn parse_options(args: &mut Parse, which: OptionsFor, now_ms: i64) -> Result<Options> {
    let set = which == OptionsFor::Set;
    let (mut nx, mut xx, mut get, mut keep, mut persist) = (false, false, false, false, false);
    let mut unit: Option<Unit> = None;
    let mut raw: Option<Bytes> = None;
    while let Some(opt) = args.try_next() {
        let opt = opt.to_ascii_uppercase();
        let wanted = match opt.as_slice() {
            b"EX" => Some(Unit::Ex),
            b"PX" => Some(Unit::Px),
            b"EXAT" => Some(Unit::ExAt),
            b"PXAT" => Some(Unit::PxAt),
            _ => None,
        };
        match opt.as_slice() {
            b"NX" if set && !xx => nx = true,
            b"XX" if set && !nx => xx = true,
            b"GET" if set => get = true,
            b"KEEPTTL" if set && unit.is_none() => keep = true,
            b"PERSIST" if !set && unit.is_none() => persist = true,
            _ if wanted.is_some()
                && !keep
                && !persist
                && (unit.is_none() || unit == wanted)
                && args.peek().is_some() =>
            {
                unit = wanted;
                raw = args.try_next();
            }
            _ => return Err(CommandError::syntax()),
        }
    }
    let expiry = match (unit, raw) {
        (Some(unit), Some(raw)) => {
            let seconds = matches!(unit, Unit::Ex | Unit::ExAt);
            let relative = matches!(unit, Unit::Ex | Unit::Px);
            Expiry::At(expire_deadline(
                &raw,
                seconds,
                relative,
                now_ms,
                args.name(),
            )?)
        }
        _ if keep => Expiry::Keep,
        _ if persist => Expiry::Persist,
        _ => Expiry::Default,
    };
    Ok(Options {
        nx,
        xx,
        get,
        expiry,
    })
}

/// Converts a positive expiry argument into an absolute deadline in ms.
/// `seconds`: the argument is in seconds; `relative`: it counts from `now_ms`.
///
/// Errors: `ERR value is not an integer or out of range` for a non-integer;
/// `ERR invalid expire time in '<command>' command` for zero, negative, or a
/// value whose deadline overflows (matches Redis 7.0 `getExpireMillisecondsOrReply`).
pub(super) fn expire_deadline(
    raw: &[u8],
    seconds: bool,
    relative: bool,
    now_ms: i64,
    command: &str,
) -> Result<i64> {
    let invalid = || CommandError::err(format!("invalid expire time in '{command}' command"));
    let value = parse_i64(raw).ok_or_else(CommandError::not_integer)?;
    if value <= 0 {
        return Err(invalid());
    }
    let ms = if seconds {
        value.checked_mul(1000).ok_or_else(invalid)?
    } else {
        value
    };
    let at = if relative {
        ms.checked_add(now_ms).ok_or_else(invalid)?
    } else {
        ms
    };
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(which: OptionsFor, args: &[&str]) -> Result<Options> {
        let mut argv = vec![Bytes::from("set")];
        argv.extend(args.iter().map(|a| Bytes::from(a.to_string())));
        let mut p = Parse::new(argv);
        parse_options(&mut p, which, 1_000)
    }

    fn syntax() -> Result<Options> {
        Err(CommandError::syntax())
    }

    #[test]
    fn set_options_follow_redis_conflict_rules() {
        assert_eq!(parse(OptionsFor::Set, &["NX", "XX"]).err(), syntax().err());
        assert_eq!(
            parse(OptionsFor::Set, &["EX", "10", "PX", "10"]).err(),
            syntax().err()
        );
        assert_eq!(
            parse(OptionsFor::Set, &["EX", "10", "KEEPTTL"]).err(),
            syntax().err()
        );
        assert_eq!(
            parse(OptionsFor::Set, &["KEEPTTL", "EX", "10"]).err(),
            syntax().err()
        );
        assert_eq!(parse(OptionsFor::Set, &["EX"]).err(), syntax().err());
        assert_eq!(parse(OptionsFor::Set, &["PERSIST"]).err(), syntax().err());
        // Repeating the same option is allowed; the last value wins.
        let o = parse(OptionsFor::Set, &["ex", "1", "EX", "2", "nx", "NX", "get"]).unwrap();
        assert!(o.nx && o.get && !o.xx);
        assert_eq!(o.expiry, Expiry::At(3_000));
        assert_eq!(
            parse(OptionsFor::Set, &["keepttl"]).unwrap().expiry,
            Expiry::Keep
        );
    }

    #[test]
    fn getex_options_refuse_set_only_flags() {
        for bad in [
            &["NX"][..],
            &["GET"],
            &["KEEPTTL"],
            &["PERSIST", "EX", "1"],
            &["EX", "1", "PERSIST"],
        ] {
            assert_eq!(
                parse(OptionsFor::GetEx, bad).err(),
                syntax().err(),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse(OptionsFor::GetEx, &["persist"]).unwrap().expiry,
            Expiry::Persist
        );
        assert_eq!(
            parse(OptionsFor::GetEx, &["PXAT", "5"]).unwrap().expiry,
            Expiry::At(5)
        );
    }

    #[test]
    fn expiry_values_are_checked_after_the_grammar() {
        let invalid = CommandError::err("invalid expire time in 'set' command");
        assert_eq!(
            parse(OptionsFor::Set, &["EX", "abc"]).err(),
            Some(CommandError::not_integer())
        );
        assert_eq!(
            parse(OptionsFor::Set, &["EX", "abc", "foo"]).err(),
            syntax().err()
        );
        assert_eq!(
            parse(OptionsFor::Set, &["EX", "0"]).err(),
            Some(invalid.clone())
        );
        assert_eq!(
            parse(OptionsFor::Set, &["PX", "-1"]).err(),
            Some(invalid.clone())
        );
        assert_eq!(
            parse(OptionsFor::Set, &["EX", "92233720368547758"]).err(),
            Some(invalid.clone())
        );
        assert_eq!(
            parse(OptionsFor::Set, &["PX", "9223372036854775807"]).err(),
            Some(invalid.clone())
        );
        assert_eq!(
            parse(OptionsFor::Set, &["EXAT", "9223372036854775807"]).err(),
            Some(invalid)
        );
        let max = parse(OptionsFor::Set, &["PXAT", "9223372036854775807"]).unwrap();
        assert_eq!(max.expiry, Expiry::At(i64::MAX));
    }
}
