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
/// Reply: integer: the end of the last successful AOF rewrite (what
/// `BGSAVE` and `SAVE` start), or the server's start before the first,
/// which is also what Redis reports before its first save.
pub fn lastsave(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    let status = &ctx.server.aof.status;
    Ok(Reply::Integer(
        status
            .last_save_unix
            .load(std::sync::atomic::Ordering::Relaxed),
    ))
}

/// `BGREWRITEAOF` — rewrites the AOF in the background (see
/// [`crate::aof::rewrite`]): a new base file with the current data set,
/// frames and their history included.
///
/// Reply: `+Background append only file rewriting started` (Redis 7's
/// status). Error: `ERR Background append only file rewriting already in
/// progress`.
pub fn bgrewriteaof(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    crate::aof::rewrite::start(ctx.server)?;
    Ok(Reply::Status(
        "Background append only file rewriting started".into(),
    ))
}

/// `SAVE` — writes the data set to disk and returns when it is there:
/// framekv's save is an AOF rewrite, and `SAVE` waits for it (on the
/// blocking pool; other clients are served meanwhile).
///
/// Reply: `+OK`. Errors: `ERR Background save already in progress` while a
/// rewrite runs (Redis's text for `SAVE` during a `BGSAVE`); `ERR` with the
/// rewrite's I/O error.
pub fn save(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    if crate::aof::rewrite::start(ctx.server).is_err() {
        return Err(CommandError::err("Background save already in progress"));
    }
    let server = ctx.server.clone();
    Ok(Reply::deferred(move || {
        let status = &server.aof.status;
        while status
            .rewrite_in_progress
            .load(std::sync::atomic::Ordering::Acquire)
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        if status
            .last_rewrite_ok
            .load(std::sync::atomic::Ordering::Acquire)
        {
            Reply::ok()
        } else {
            Reply::Error("ERR the AOF rewrite failed: see the server log".into())
        }
    }))
}

/// `BGSAVE [SCHEDULE]` — starts an AOF rewrite (framekv's snapshot).
///
/// Reply: `+Background saving started`, as Redis; while a rewrite runs,
/// with `SCHEDULE`, `+Background saving scheduled` (the rewrite starts once
/// the running one ends, `aof_rewrite_scheduled:1` meanwhile). Errors: `ERR
/// syntax error` for an argument other than `SCHEDULE`; while a rewrite
/// runs, without `SCHEDULE`, Redis 7's `ERR Another child process is
/// active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to
/// schedule a BGSAVE whenever possible.`
pub fn bgsave(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let schedule = args.eat_keyword("schedule");
    args.finish()?;
    if crate::aof::rewrite::start(ctx.server).is_ok() {
        return Ok(Reply::Status("Background saving started".into()));
    }
    if !schedule {
        return Err(CommandError::err(
            "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
        ));
    }
    let status = &ctx.server.aof.status;
    status
        .rewrite_scheduled
        .store(true, std::sync::atomic::Ordering::Release);
    Ok(Reply::Status("Background saving scheduled".into()))
}
