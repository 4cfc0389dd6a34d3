//! `SESSION.RESTORE`: recreates a session with explicit times, as the AOF
//! rewrite writes it. Not meant for applications (they use
//! `SESSION.CREATE`), but safe to call: it is an ordinary write command.

use std::sync::Arc;

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keyspace::Value;
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::CommandSpec;

use super::Session;

/// `SESSION.RESTORE`'s registration.
pub fn commands() -> Vec<CommandSpec> {
    vec![
        CommandSpec::new("session.restore", -7, restore)
            .flags(&["write", "denyoom"])
            .categories(&["session", "write"])
            .keys(1, 1, 1)
            .doc(
                "session",
                "0.1.0",
                "Recreates a session with explicit owner, times and TTL length, without tables or expiry (written by the AOF rewrite).",
                "id owner created_ms last_access_ms ttl_len_ms sliding [META field value [field value ...]]",
            ),
    ]
}

/// The `SESSION.RESTORE` record for `session` stored at `id`.
pub fn restore_argv(id: &[u8], session: &Session) -> Vec<Bytes> {
    use std::sync::atomic::Ordering::Relaxed;
    let mut argv = vec![
        Bytes::from_static(b"SESSION.RESTORE"),
        Bytes::copy_from_slice(id),
        Bytes::from(session.owner.clone()),
        Bytes::from(session.created_ms.to_string()),
        Bytes::from(session.last_access_ms.load(Relaxed).to_string()),
        Bytes::from(session.ttl_len_ms.load(Relaxed).to_string()),
        Bytes::from_static(if session.sliding.load(Relaxed) {
            b"1"
        } else {
            b"0"
        }),
    ];
    let meta = session.meta.lock();
    if !meta.is_empty() {
        argv.push(Bytes::from_static(b"META"));
        for (field, value) in meta.iter() {
            argv.push(Bytes::from(field.clone()));
            argv.push(Bytes::from(value.clone()));
        }
    }
    argv
}

/// `SESSION.RESTORE id owner created_ms last_access_ms ttl_len_ms sliding [META field value ...]`
///
/// Stores a new, table-less session at `id` (replacing any value there,
/// without expiry; the rewrite follows it with `PEXPIREAT` and
/// `FRAME.RESTORE`). Reply: `+OK`. Errors: `ERR value is not an integer or
/// out of range` for the times; `ERR syntax error` for anything else.
fn restore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_bytes()?;
    let owner = args.next_string()?;
    let created_ms = args.next_i64()?;
    let last_access_ms = args.next_i64()?;
    let ttl_len_ms = args.next_i64()?;
    let sliding = match args.next_bytes()?.as_ref() {
        b"0" => false,
        b"1" => true,
        _ => return Err(CommandError::syntax()),
    };
    let mut meta = Vec::new();
    if !args.is_empty() {
        if !args.next_keyword()?.eq("META") || !args.remaining().is_multiple_of(2) {
            return Err(CommandError::syntax());
        }
        while !args.is_empty() {
            meta.push((args.next_string()?, args.next_string()?));
        }
    }
    let session = Session::new(
        String::from_utf8_lossy(&id).into_owned(),
        owner,
        created_ms,
        ttl_len_ms,
        sliding,
        meta,
    );
    session.touch(last_access_ms);
    let mut db = ctx.db();
    let old = db.insert(id, Value::Session(Arc::new(session)), None, ctx.now_ms);
    db.log(ctx.now_ms, args.argv());
    drop(db);
    if let Some(old) = old {
        crate::keyspace::free_values(vec![old.value], true);
    }
    Ok(Reply::ok())
}
