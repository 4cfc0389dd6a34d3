//! The context a command runs in: the shared server state and the calling
//! client's own state.

use std::sync::Arc;

use crate::client::Client;
use crate::keyspace::{DbGuard, now_ms};
use crate::state::Server;

/// What a command handler can reach.
pub struct Ctx<'a> {
    /// Shared server state.
    pub server: &'a Arc<Server>,
    /// The calling connection's state.
    pub client: &'a mut Client,
    /// Wall-clock time at dispatch, ms since the epoch: one command sees one
    /// "now", as Redis's `commandTimeSnapshot`.
    pub now_ms: i64,
}

impl<'a> Ctx<'a> {
    /// A context for one command, taking "now" from the clock.
    pub fn new(server: &'a Arc<Server>, client: &'a mut Client) -> Ctx<'a> {
        Ctx {
            server,
            client,
            now_ms: now_ms(),
        }
    }

    /// Locks the client's selected database.
    pub fn db(&self) -> DbGuard<'a> {
        self.server.keyspace.db(self.client.db)
    }

    /// True when the client speaks RESP3.
    pub fn resp3(&self) -> bool {
        self.client.resp >= 3
    }
}
