//! `ACL LOG`: the most recent refusals, newest first, with repeats of the
//! same refusal folded into one entry (Redis 7.0's grouping: same reason,
//! context, object and user within 60 s).

use std::collections::VecDeque;
use std::time::Instant;

use crate::reply::Reply;

/// Entries kept (`acllog-max-len`'s default).
pub const MAX_ENTRIES: usize = 128;

/// Entries within this many ms of each other with the same details fold.
const FOLD_WITHIN_MS: u128 = 60_000;

/// One refusal to record.
pub struct Denial {
    /// `command`, `key`, `channel` or `auth`.
    pub reason: &'static str,
    /// `toplevel`, `multi` or `lua`.
    pub context: &'static str,
    /// The command, key or channel refused (`AUTH` for an auth failure).
    pub object: String,
    /// The user refused.
    pub username: String,
    /// The client's `CLIENT LIST` line at the time.
    pub client_info: String,
}

struct Entry {
    denial: Denial,
    count: u64,
    created: Instant,
    updated: Instant,
}

/// The log. One per server ([`super::Acl::log`]).
#[derive(Default)]
pub struct AclLog {
    entries: VecDeque<Entry>,
}

impl AclLog {
    /// Records `denial`, folding it into a recent identical entry.
    pub fn add(&mut self, denial: Denial) {
        let now = Instant::now();
        let same = self.entries.iter().position(|e| {
            e.denial.reason == denial.reason
                && e.denial.context == denial.context
                && e.denial.object == denial.object
                && e.denial.username == denial.username
                && now.duration_since(e.updated).as_millis() < FOLD_WITHIN_MS
        });
        if let Some(i) = same {
            // Present: found just above.
            let mut entry = self.entries.remove(i).expect("entry found above");
            entry.count += 1;
            entry.updated = now;
            entry.denial.client_info = denial.client_info;
            self.entries.push_front(entry);
            return;
        }
        self.entries.push_front(Entry {
            denial,
            count: 1,
            created: now,
            updated: now,
        });
        self.entries.truncate(MAX_ENTRIES);
    }

    /// Empties the log (`ACL LOG RESET`).
    pub fn reset(&mut self) {
        self.entries.clear();
    }

    /// The newest `count` entries as `ACL LOG` replies them: maps of
    /// `count`, `reason`, `context`, `object`, `username`, `age-seconds`
    /// (a double) and `client-info`.
    pub fn reply(&self, count: usize) -> Reply {
        let now = Instant::now();
        Reply::Array(
            self.entries
                .iter()
                .take(count)
                .map(|e| {
                    let age = now.duration_since(e.created).as_secs_f64();
                    Reply::map_of(vec![
                        ("count", Reply::Integer(e.count as i64)),
                        ("reason", Reply::text(e.denial.reason)),
                        ("context", Reply::text(e.denial.context)),
                        ("object", Reply::text(e.denial.object.clone())),
                        ("username", Reply::text(e.denial.username.clone())),
                        ("age-seconds", Reply::Double(age)),
                        ("client-info", Reply::text(e.denial.client_info.clone())),
                    ])
                })
                .collect(),
        )
    }
}
