//! `SESSION.CREATE`, `SESSION.INFO`, `SESSION.TOUCH`, `SESSION.LIST`,
//! `SESSION.SCAN`, `SESSION.DESTROY`.
//!
//! The writes log their deterministic form to the AOF under the database
//! lock: explicit id, owner and TTL for `CREATE`, absolute expiries as
//! `PEXPIREAT`, `DEL` for `DESTROY`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keyspace::Value;
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::CommandSpec;

use super::listing::{list, scan};
use super::{Session, open};

/// The session family's commands.
pub fn commands() -> Vec<CommandSpec> {
    vec![
        CommandSpec::new("session.create", -1, create)
            .flags(&["write", "denyoom"])
            .categories(&["session", "write"])
            .doc(
                "session",
                "0.1.0",
                "Creates a data-editing session and returns its id.",
                "[ID id] [TTL seconds] [SLIDING] [OWNER name] [META field value [field value ...]]",
            ),
        CommandSpec::new("session.info", 2, info)
            .flags(&["readonly", "fast"])
            .categories(&["session", "read"])
            .keys(1, 1, 1)
            .doc(
                "session",
                "0.1.0",
                "Describes a session: owner, times, TTL, tables, memory and metadata.",
                "id",
            ),
        CommandSpec::new("session.touch", -2, touch)
            .flags(&["write", "fast"])
            .categories(&["session", "write"])
            .keys(1, 1, 1)
            .doc(
                "session",
                "0.1.0",
                "Resets (or sets) a session's TTL and returns it in milliseconds.",
                "id [TTL seconds]",
            ),
        CommandSpec::new("session.list", -1, list)
            .flags(&["readonly"])
            .categories(&["session", "read", "slow"])
            .doc(
                "session",
                "0.1.0",
                "Lists the ids of the sessions in the current database.",
                "[OWNER name] [MATCH pattern] [COUNT count]",
            ),
        CommandSpec::new("session.scan", -2, scan)
            .flags(&["readonly"])
            .categories(&["session", "read", "slow"])
            .doc(
                "session",
                "0.1.0",
                "Incrementally iterates over the session ids of the current database.",
                "cursor [MATCH pattern] [COUNT count] [OWNER name]",
            ),
        CommandSpec::new("session.destroy", 2, destroy)
            .flags(&["write"])
            .categories(&["session", "write"])
            .keys(1, 1, 1)
            .doc(
                "session",
                "0.1.0",
                "Deletes a session and every table in it.",
                "id",
            ),
    ]
}

/// Seconds argument of `TTL` as milliseconds; 0 means no expiry.
/// Error: Redis's `ERR invalid expire time in '<cmd>' command` for negative
/// or overflowing values.
fn ttl_ms(args: &mut Parse) -> Result<i64> {
    let seconds = args.next_i64()?;
    let invalid = || CommandError::err(format!("invalid expire time in '{}' command", args.name()));
    if seconds < 0 {
        return Err(invalid());
    }
    seconds.checked_mul(1000).ok_or_else(invalid)
}

/// `SESSION.CREATE [ID id] [TTL seconds] [SLIDING] [OWNER name] [META field value ...]`
///
/// Reply: the id (bulk string), a UUID v4 unless `ID` is given. `TTL`
/// defaults to `session-default-ttl` (0 = never expires); `OWNER` to the
/// authenticated user. `META` takes every remaining argument as field/value
/// pairs, so it comes last.
///
/// Errors: `ERR session '<id>' already exists` (or `ERR key '<id>' already
/// exists` for a key of another type); syntax errors before anything changes.
///
/// Logged as [`create_argv`] builds it, then `PEXPIREAT id <ms>` when the
/// session expires.
fn create(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let mut id = None;
    let mut ttl = None;
    let mut sliding = false;
    let mut owner = None;
    let mut meta = Vec::new();
    while !args.is_empty() {
        match args.next_keyword()?.as_str() {
            "ID" => id = Some(args.next_string()?),
            "TTL" => ttl = Some(ttl_ms(args)?),
            "SLIDING" => sliding = true,
            "OWNER" => owner = Some(args.next_string()?),
            "META" => {
                if args.remaining() == 0 || !args.remaining().is_multiple_of(2) {
                    return Err(CommandError::syntax());
                }
                while !args.is_empty() {
                    meta.push((args.next_string()?, args.next_string()?));
                }
            }
            _ => return Err(CommandError::syntax()),
        }
    }
    args.finish()?;
    let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if id.is_empty() {
        return Err(CommandError::err("session id must not be empty"));
    }
    let ttl = match ttl {
        Some(ms) => ms,
        None => ctx
            .server
            .config
            .get_i64("session-default-ttl")
            .saturating_mul(1000),
    };
    let owner = owner.unwrap_or_else(|| ctx.client.user.clone());
    if owner != ctx.client.user && !ctx.client.acl_user.is_admin() && !ctx.client.aof_loader {
        // SPEC §3: only an admin may create a session for another user.
        return Err(CommandError::raw(
            "NOPERM this user has no permissions to create a session owned by another user",
        ));
    }
    let now = ctx.now_ms;
    let mut db = ctx.db();
    if let Some(entry) = db.peek(id.as_bytes(), now) {
        return Err(match entry.value {
            Value::Session(_) => CommandError::err(format!("session '{id}' already exists")),
            _ => CommandError::err(format!("key '{id}' already exists")),
        });
    }
    let logged = create_argv(&id, ttl, sliding, &owner, &meta);
    let session = Session::new(id.clone(), owner, now, ttl, sliding, meta);
    let expire_at = (ttl > 0).then(|| now.saturating_add(ttl));
    db.insert(
        Bytes::from(id.clone()),
        Value::Session(Arc::new(session)),
        expire_at,
        now,
    );
    db.log(now, &logged);
    if let Some(at) = expire_at {
        db.log(
            now,
            &[&b"PEXPIREAT"[..], id.as_bytes(), at.to_string().as_bytes()],
        );
    }
    tracing::debug!(session = %id, ttl_ms = ttl, sliding, "session created");
    Ok(Reply::text(id))
}

/// The deterministic form of a `SESSION.CREATE`: `SESSION.CREATE ID <id>
/// TTL <seconds> [SLIDING] OWNER <owner> [META field value ...]`. The id,
/// owner and TTL are always explicit: a generated UUID, the caller's user
/// name and `session-default-ttl` (which may differ when the AOF is
/// replayed) become arguments. `ttl_ms` is a whole number of seconds, as
/// both sources give it.
fn create_argv(
    id: &str,
    ttl_ms: i64,
    sliding: bool,
    owner: &str,
    meta: &[(String, String)],
) -> Vec<Bytes> {
    let word = Bytes::from_static;
    let mut argv = vec![
        word(b"SESSION.CREATE"),
        word(b"ID"),
        Bytes::copy_from_slice(id.as_bytes()),
        word(b"TTL"),
        Bytes::from((ttl_ms / 1000).to_string()),
    ];
    if sliding {
        argv.push(word(b"SLIDING"));
    }
    argv.push(word(b"OWNER"));
    argv.push(Bytes::copy_from_slice(owner.as_bytes()));
    if !meta.is_empty() {
        argv.push(word(b"META"));
        for (field, value) in meta {
            argv.push(Bytes::copy_from_slice(field.as_bytes()));
            argv.push(Bytes::copy_from_slice(value.as_bytes()));
        }
    }
    argv
}

/// `SESSION.INFO id`
///
/// Reply: map `id`, `owner`, `created_ms`, `last_access_ms` (the access
/// before this one), `ttl_ms` (-1 when none), `sliding` (bool), `tables`
/// (array of names), `memory_bytes`, `meta` (map). Counts as an access
/// (slides the TTL).
fn info(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_bytes()?;
    args.finish()?;
    let opened = open(ctx, &id)?;
    let s = &opened.session;
    let ttl_ms = opened.expire_at.map_or(-1, |at| (at - ctx.now_ms).max(0));
    let meta = s
        .meta
        .lock()
        .iter()
        .map(|(k, v)| (Reply::text(k.clone()), Reply::text(v.clone())))
        .collect();
    Ok(Reply::map_of(vec![
        ("id", Reply::Bulk(id)),
        ("owner", Reply::text(s.owner.clone())),
        ("created_ms", Reply::Integer(s.created_ms)),
        ("last_access_ms", Reply::Integer(opened.previous_access_ms)),
        ("ttl_ms", Reply::Integer(ttl_ms)),
        ("sliding", Reply::Bool(s.sliding.load(Ordering::Relaxed))),
        ("tables", Reply::bulk_array(s.table_names())),
        ("memory_bytes", Reply::Integer(s.memory_bytes() as i64)),
        ("meta", Reply::Map(meta)),
    ]))
}

/// `SESSION.TOUCH id [TTL seconds]`
///
/// Resets the expiry to the session's full TTL, or with `TTL` sets a new
/// full TTL (0 removes the expiry). Reply: the new TTL in ms, -1 for none.
///
/// Logged as `SESSION.TOUCH id TTL <seconds>` when `TTL` is given (the
/// full length is session state), then `PEXPIREAT id <ms>` for a new
/// deadline, or `PERSIST id` when an expiry was removed without `TTL`.
fn touch(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_bytes()?;
    let new_ttl = if args.is_empty() {
        None
    } else if args.next_keyword()? == "TTL" {
        Some(ttl_ms(args)?)
    } else {
        return Err(CommandError::syntax());
    };
    args.finish()?;
    let now = ctx.now_ms;
    let mut db = ctx.db();
    // Not `open_in`: the expiry set below replaces the slide (and its record).
    let opened = super::access::find_in(&mut db, &id, now)?;
    let session = opened.session;
    let ttl = match new_ttl {
        Some(ms) => {
            session.ttl_len_ms.store(ms, Ordering::Relaxed);
            db.log(now, args.argv());
            ms
        }
        None => session.ttl_len_ms.load(Ordering::Relaxed),
    };
    if ttl > 0 {
        // A TTL reaching past the last representable ms is capped there, and
        // the reply says what PTTL will.
        let deadline = now.saturating_add(ttl);
        db.set_expire(&id, Some(deadline), now);
        if opened.expire_at != Some(deadline) {
            let at = deadline.to_string();
            db.log(now, &[&b"PEXPIREAT"[..], &id, at.as_bytes()]);
        }
        Ok(Reply::Integer(deadline - now))
    } else {
        db.set_expire(&id, None, now);
        // With `TTL 0` the logged `SESSION.TOUCH` already removes it.
        if new_ttl.is_none() && opened.expire_at.is_some() {
            db.log(now, &[&b"PERSIST"[..], &id]);
        }
        Ok(Reply::Integer(-1))
    }
}

/// `SESSION.DESTROY id`
///
/// Reply: 1 when the session existed (it and all its tables are gone), 0
/// otherwise. Error: `WRONGTYPE` for a key of another type. The memory is
/// freed off the database lock. Logged as `DEL id` when it removed one.
fn destroy(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_bytes()?;
    args.finish()?;
    let now = ctx.now_ms;
    let removed = {
        let mut db = ctx.db();
        let is_session = match db.peek(&id, now) {
            None => return Ok(Reply::Integer(0)),
            Some(entry) => matches!(entry.value, Value::Session(_)),
        };
        if !is_session {
            return Err(CommandError::wrong_type());
        }
        let removed = db.remove(&id);
        db.log(now, &[&b"DEL"[..], &id]);
        removed
    };
    tracing::debug!(session = %String::from_utf8_lossy(&id), "session destroyed");
    Ok(Reply::deferred(move || {
        drop(removed);
        Reply::Integer(1)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_is_logged_with_explicit_id_owner_and_ttl() {
        let text = |argv: Vec<Bytes>| String::from_utf8_lossy(&argv.join(&b' ')).into_owned();
        assert_eq!(
            text(create_argv("s1", 0, false, "alice", &[])),
            "SESSION.CREATE ID s1 TTL 0 OWNER alice"
        );
        let meta = [("k".to_string(), "v w".to_string())];
        assert_eq!(
            text(create_argv("s2", 86_400_000, true, "bob", &meta)),
            "SESSION.CREATE ID s2 TTL 86400 SLIDING OWNER bob META k v w"
        );
    }
}
