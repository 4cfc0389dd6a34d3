//! `SESSION.LIST` and `SESSION.SCAN`: the caller's view of the sessions in
//! the current database. Neither counts as an access.

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::glob::glob_match;
use crate::keyspace::{Entry, Value};
use crate::parse::Parse;
use crate::reply::Reply;

/// Filters shared by `SESSION.LIST` and `SESSION.SCAN`.
#[derive(Default)]
struct Filter {
    owner: Option<String>,
    /// SPEC §3: a user who is not an admin sees only its own sessions.
    visible_to: Option<String>,
    pattern: Option<Bytes>,
    count: Option<usize>,
}

impl Filter {
    /// Parses `OWNER`, `MATCH` and `COUNT` in any order. `COUNT` below 1 is
    /// a syntax error, as for Redis's `SCAN`.
    fn parse(args: &mut Parse) -> Result<Filter> {
        let mut filter = Filter::default();
        while !args.is_empty() {
            match args.next_keyword()?.as_str() {
                "OWNER" => filter.owner = Some(args.next_string()?),
                "MATCH" => filter.pattern = Some(args.next_bytes()?),
                "COUNT" => {
                    let n = args.next_i64()?;
                    if n < 1 {
                        return Err(CommandError::syntax());
                    }
                    filter.count = Some(n as usize);
                }
                _ => return Err(CommandError::syntax()),
            }
        }
        args.finish()?;
        Ok(filter)
    }

    /// [`Filter::parse`], limited to the caller's own sessions unless it
    /// is an admin.
    fn for_caller(ctx: &Ctx, args: &mut Parse) -> Result<Filter> {
        let mut filter = Filter::parse(args)?;
        if !ctx.client.acl_user.is_admin() {
            filter.visible_to = Some(ctx.client.user.clone());
        }
        Ok(filter)
    }

    /// True when `entry` at `key` is a live session passing the filters.
    fn accepts(&self, key: &[u8], entry: &Entry, now_ms: i64) -> bool {
        let Value::Session(session) = &entry.value else {
            return false;
        };
        !entry.expired(now_ms)
            && self.owner.as_ref().is_none_or(|o| *o == session.owner)
            && self.visible_to.as_ref().is_none_or(|o| *o == session.owner)
            && self
                .pattern
                .as_ref()
                .is_none_or(|p| glob_match(p, key, false))
    }
}

/// `SESSION.LIST [OWNER name] [MATCH pattern] [COUNT n]`
///
/// Reply: array of the ids of live sessions in the current database, sorted,
/// at most `COUNT` of them (all by default). Does not count as an access.
pub(super) fn list(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let filter = Filter::for_caller(ctx, args)?;
    let now = ctx.now_ms;
    let mut ids: Vec<Bytes> = {
        let db = ctx.db();
        db.iter()
            .filter(|(k, e)| filter.accepts(k, e, now))
            .map(|(k, _)| Bytes::copy_from_slice(k))
            .collect()
    };
    ids.sort();
    if let Some(count) = filter.count {
        ids.truncate(count);
    }
    Ok(Reply::bulk_array(ids))
}

/// `SESSION.SCAN cursor [MATCH pattern] [COUNT n] [OWNER name]`
///
/// Like Redis's `SCAN ... TYPE session`: visits about `COUNT` (default 10)
/// keys from `cursor` and replies `[next_cursor, [ids...]]`; the iteration
/// is complete when the cursor returned is `0`. Error: `ERR invalid cursor`.
pub(super) fn scan(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let cursor =
        parse_cursor(&args.next_bytes()?).ok_or_else(|| CommandError::err("invalid cursor"))?;
    let filter = Filter::for_caller(ctx, args)?;
    let count = filter.count.unwrap_or(10);
    let now = ctx.now_ms;
    let db = ctx.db();
    let mut ids = Vec::new();
    let mut index = usize::try_from(cursor).unwrap_or(usize::MAX);
    let mut visited = 0;
    while visited < count {
        let Some((key, entry)) = db.key_at(index) else {
            index = 0;
            break;
        };
        if filter.accepts(key, entry, now) {
            ids.push(Reply::Bulk(Bytes::copy_from_slice(key)));
        }
        index += 1;
        visited += 1;
    }
    if index >= db.len() {
        index = 0;
    }
    Ok(Reply::Array(vec![
        Reply::text(index.to_string()),
        Reply::Array(ids),
    ]))
}

/// A `SCAN` cursor: an unsigned decimal integer (Redis's `string2ull`).
fn parse_cursor(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}
