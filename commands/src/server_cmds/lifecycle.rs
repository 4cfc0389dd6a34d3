//! `TIME`, `SHUTDOWN`, `LASTSAVE`, `SAVE`, `BGSAVE`.

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;

/// `TIME` — the server's clock.
///
/// Reply: array of two bulk strings, Unix seconds and the microseconds within
/// that second. Matches Redis 7.0.
pub fn time(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Ok(Reply::bulk_array([
        now.as_secs().to_string(),
        now.subsec_micros().to_string(),
    ]))
}

/// `SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]` — stops the server.
///
/// On success Redis sends no reply and closes the connection; so does
/// framekv: the command asks the server to stop (which flushes the AOF) and
/// marks the connection to close. The returned [`Reply::Null`] is a
/// placeholder the connection layer must not write once a shutdown was
/// requested. Errors: `ERR syntax error` for unknown words, `NOSAVE` with
/// `SAVE`, or `ABORT` with anything else; `ERR No shutdown in progress.` for
/// `ABORT` (a framekv shutdown starts at once and cannot be aborted).
pub fn shutdown(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let (mut nosave, mut save, mut other, mut abort) = (false, false, false, false);
    while let Some(word) = args.try_next() {
        match word.to_ascii_lowercase().as_slice() {
            b"nosave" => nosave = true,
            b"save" => save = true,
            b"now" | b"force" => other = true,
            b"abort" => abort = true,
            _ => return Err(CommandError::syntax()),
        }
    }
    if (abort && (nosave || save || other)) || (nosave && save) {
        return Err(CommandError::syntax());
    }
    if abort {
        return Err(CommandError::err("No shutdown in progress."));
    }
    tracing::info!(client = ctx.client.id, "shutdown requested by SHUTDOWN");
    ctx.client.close_after_reply = true;
    ctx.server.request_shutdown();
    Ok(Reply::Null)
}

/// `LASTSAVE` — Unix time in seconds of the last successful save.
///
/// Reply: integer. framekv persists continuously with the AOF and has no
/// snapshot saves, so this is the server's start time, which is also what
/// Redis reports before its first save.
pub fn lastsave(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(Reply::Integer(super::start_unix_ms(ctx.server) / 1000))
}

/// `SAVE` — refused: framekv has no RDB snapshots.
///
/// Error: `ERR framekv persists with the AOF; use BGREWRITEAOF`.
pub fn save(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Err(no_snapshots())
}

/// `BGSAVE [SCHEDULE]` — refused like [`save`].
///
/// Errors: `ERR syntax error` for an argument other than `SCHEDULE`, else
/// `ERR framekv persists with the AOF; use BGREWRITEAOF`.
pub fn bgsave(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.eat_keyword("schedule");
    args.finish()?;
    Err(no_snapshots())
}

fn no_snapshots() -> CommandError {
    CommandError::err("framekv persists with the AOF; use BGREWRITEAOF")
}
