//! Trimming: the `MAXLEN`/`MINID` options XADD and XTRIM share (Redis's
//! `streamParseAddOrTrimArgsOrReply`), and `XTRIM`.
//!
//! An approximate trim (`~`) is logged as the exact trim that has the same
//! effect, as Redis propagates it: `MAXLEN = <length after>` or `MINID =
//! <first stored id after>`, without `LIMIT`.

use bytes::Bytes;

use super::id::{IdRules, StreamId, parse_id, parse_strict};
use super::stream_mut;
use super::value::{StreamValue, Trim};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// `LIMIT` when `~` is given without one: 100 × `stream-node-max-entries`.
const DEFAULT_APPROX_LIMIT: u64 = 100 * super::nodes::NODE_MAX_ENTRIES;

/// The options before XADD's id (or all of XTRIM's).
#[derive(Default)]
pub struct TrimArgs {
    /// The trimming rule, if any.
    pub rule: Option<Trim>,
    /// `~` was given.
    pub approx: bool,
    /// Most entries an approximate trim may remove; 0 for no limit.
    pub limit: u64,
    /// XADD's `NOMKSTREAM`.
    pub no_mkstream: bool,
    /// XADD's explicit id and whether its sequence was given (`None` for `*`).
    pub id: Option<(StreamId, bool)>,
    /// Index (in the arguments after the key) of XADD's id, or the
    /// argument count when none was found.
    pub id_at: usize,
}

fn syntax(detail: &str) -> CommandError {
    CommandError::err(format!("syntax error, {detail}"))
}

/// Parses the options in `args` (the arguments after the key) as Redis
/// does, stopping at XADD's id. Errors, in Redis's order: the integer and
/// id errors, `ERR The MAXLEN argument must be >= 0.`, `ERR The LIMIT
/// argument must be >= 0.`, `ERR syntax error, MAXLEN and MINID options at
/// the same time are not compatible`, `ERR syntax error, LIMIT cannot be
/// used without specifying a trimming strategy`, `ERR syntax error, XTRIM
/// must be called with a trimming strategy`, `ERR syntax error, LIMIT
/// cannot be used without the special ~ option`, `ERR syntax error`.
pub fn parse_trim_args(args: &[Bytes], xadd: bool) -> Result<TrimArgs> {
    let mut out = TrimArgs::default();
    let mut limit_given = false;
    let mut i = 0;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let opt = args[i].to_ascii_lowercase();
        match opt.as_slice() {
            b"*" if xadd => break,
            b"maxlen" | b"minid" if more > 0 => {
                if out.rule.is_some() {
                    return Err(syntax(
                        "MAXLEN and MINID options at the same time are not compatible",
                    ));
                }
                out.approx = false;
                if more >= 2 && (args[i + 1] == "~" || args[i + 1] == "=") {
                    out.approx = args[i + 1] == "~";
                    i += 1;
                }
                let threshold = &args[i + 1];
                out.rule = Some(if opt == b"maxlen" {
                    let max = parse_i64(threshold).ok_or_else(CommandError::not_integer)?;
                    if max < 0 {
                        return Err(CommandError::err("The MAXLEN argument must be >= 0."));
                    }
                    Trim::MaxLen(max as u64)
                } else {
                    Trim::MinId(parse_strict(threshold)?)
                });
                i += 1;
            }
            b"limit" if more > 0 => {
                let limit = parse_i64(&args[i + 1]).ok_or_else(CommandError::not_integer)?;
                if limit < 0 {
                    return Err(CommandError::err("The LIMIT argument must be >= 0."));
                }
                out.limit = limit as u64;
                limit_given = true;
                i += 1;
            }
            b"nomkstream" if xadd => out.no_mkstream = true,
            _ if xadd => {
                let rules = IdRules {
                    strict: true,
                    missing_seq: 0,
                    auto_seq: true,
                };
                out.id = Some(parse_id(&args[i], rules)?);
                break;
            }
            _ => return Err(CommandError::syntax()),
        }
        i += 1;
    }
    out.id_at = i;
    if out.limit != 0 && out.rule.is_none() {
        return Err(syntax(
            "LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && out.rule.is_none() {
        return Err(syntax("XTRIM must be called with a trimming strategy"));
    }
    if limit_given && !out.approx {
        return Err(syntax("LIMIT cannot be used without the special ~ option"));
    }
    if !limit_given {
        out.limit = if out.approx { DEFAULT_APPROX_LIMIT } else { 0 };
    }
    Ok(out)
}

/// Trims `stream` as `opts` says; returns the number of entries removed
/// and the exact trim to log (`[MAXLEN|MINID, "=", threshold]`), which for
/// an approximate trim is the one with the same effect.
pub fn apply_trim(stream: &mut StreamValue, opts: &TrimArgs) -> (u64, Vec<Bytes>) {
    let Some(rule) = opts.rule else {
        return (0, Vec::new());
    };
    let removed = stream.trim(rule, opts.approx, opts.limit);
    let logged = match (rule, opts.approx) {
        (Trim::MaxLen(_), true) => Trim::MaxLen(stream.length()),
        (Trim::MinId(_), true) => Trim::MinId(stream.first_stored_id()),
        (exact, false) => exact,
    };
    let argv = match logged {
        Trim::MaxLen(n) => vec![
            Bytes::from_static(b"MAXLEN"),
            Bytes::from_static(b"="),
            Bytes::from(n.to_string()),
        ],
        Trim::MinId(id) => vec![
            Bytes::from_static(b"MINID"),
            Bytes::from_static(b"="),
            id.to_bytes(),
        ],
    };
    (removed, argv)
}

/// `XTRIM key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]` — removes
/// the oldest entries: down to `threshold` entries, or those with ids below
/// it. With `~` only whole storage nodes go (so fewer may be removed), at
/// most `count` entries (default 10000, 0 for no limit).
///
/// Reply: the number of entries removed; 0 for a missing key. Errors: see
/// [`parse_trim_args`]; WRONGTYPE. Logged (exact form) when it removed any.
pub fn xtrim(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let opts = parse_trim_args(&args.rest(), false)?;
    let mut db = ctx.db();
    let Some(stream) = stream_mut(&mut db, &key, ctx.now_ms)? else {
        return Ok(Reply::Integer(0));
    };
    let (removed, trim_argv) = apply_trim(stream, &opts);
    if removed > 0 {
        let mut argv = vec![Bytes::from_static(b"XTRIM"), key];
        argv.extend(trim_argv);
        db.log(ctx.now_ms, &argv);
    }
    Ok(Reply::Integer(removed as i64))
}
