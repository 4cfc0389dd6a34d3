//! Loading the AOF: every record of the manifest's files, in order,
//! executed through the ordinary dispatch by a client that is not a
//! connection, with "now" pinned to each record's clock.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use bytes::Bytes;
use persistence::loader::{self, LoadError, LoadReport};

use super::CLOCK;
use crate::ctx::Ctx;
use crate::dispatch;
use crate::reply::Reply;
use crate::state::Server;

/// Replays the AOF in `dir` (files named after `prefix`) into `server`'s
/// keyspace. `truncated_ok` is `aof-load-truncated`. The AOF must be off
/// while this runs (replayed commands must not be logged again).
///
/// A record whose command fails is counted and logged as a warning (only
/// commands that succeeded are logged, so it means the data diverged) and
/// the load goes on, as Redis ignores command errors while loading; an
/// unknown command stops the load, as in Redis. Errors: the loader's ([`LoadError`]: corrupt or torn record,
/// missing file, bad manifest, unknown command), naming file and offset.
pub fn replay(
    server: &Arc<Server>,
    dir: &Path,
    prefix: &str,
    truncated_ok: bool,
) -> Result<(LoadReport, u64), LoadError> {
    let mut client = server.clients.connect("aof-loader".into(), String::new());
    client.aof_loader = true;
    let client_id = client.id;
    let total: u64 = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    let status = &server.aof.status;
    status.loading_total_bytes.store(total, Relaxed);
    status.loading_loaded_bytes.store(0, Relaxed);
    // Bytes replayed, approximately: each record's arguments plus framing.
    let mut loaded = 0u64;
    let mut records = 0u64;
    let mut replayer = Replayer {
        server,
        client: &mut client,
        now_ms: crate::keyspace::now_ms(),
        failed: 0,
        last: None,
        transaction: None,
    };
    let result = loader::load_dir(dir, prefix, truncated_ok, |argv: Vec<Bytes>| {
        loaded += argv.iter().map(|a| a.len() as u64 + 16).sum::<u64>() + 12;
        records += 1;
        if records.is_multiple_of(4096) {
            status.loading_loaded_bytes.store(loaded, Relaxed);
        }
        replayer.record(argv)
    });
    if let Some(open) = replayer.transaction.take() {
        tracing::warn!(
            records = open.len(),
            "the AOF ends inside a MULTI/EXEC transaction: its records were not applied"
        );
    }
    let failed = replayer.failed;
    server.clients.disconnect(client_id);
    result.map(|report| (report, failed))
}

/// Replay state: the loader's client, the pinned clock, and a transaction
/// being gathered.
struct Replayer<'a> {
    server: &'a Arc<Server>,
    client: &'a mut crate::client::Client,
    now_ms: i64,
    /// Records whose command failed.
    failed: u64,
    /// The previous record's command, resolved.
    last: Option<(Bytes, &'static crate::table::CommandSpec)>,
    /// Records after a `MULTI`, applied when its `EXEC` arrives (a
    /// transaction cut short by a crash is not applied, as in Redis).
    transaction: Option<Vec<Vec<Bytes>>>,
}

impl Replayer<'_> {
    /// Handles one record from the file.
    fn record(&mut self, argv: Vec<Bytes>) -> Result<(), String> {
        let name = argv.first().map(|n| n.as_ref()).unwrap_or_default();
        if name.eq_ignore_ascii_case(b"MULTI") {
            self.transaction = Some(Vec::new());
            return Ok(());
        }
        if name.eq_ignore_ascii_case(b"EXEC") {
            for argv in self.transaction.take().unwrap_or_default() {
                self.apply(argv)?;
            }
            return Ok(());
        }
        match self.transaction.as_mut() {
            Some(transaction) => {
                transaction.push(argv);
                Ok(())
            }
            None => self.apply(argv),
        }
    }

    /// Applies one record: a database switch, a clock, or a command.
    fn apply(&mut self, argv: Vec<Bytes>) -> Result<(), String> {
        let name = argv.first().map(|n| n.as_ref()).unwrap_or_default();
        if name.eq_ignore_ascii_case(b"SELECT") {
            let db = number(&argv)?;
            let databases = self.server.keyspace.len();
            self.client.db = usize::try_from(db)
                .ok()
                .filter(|&db| db < databases)
                .ok_or_else(|| format!("SELECT {db}: no such database"))?;
            return Ok(());
        }
        if name.eq_ignore_ascii_case(CLOCK.as_bytes()) {
            self.now_ms = number(&argv)?;
            return Ok(());
        }
        // Consecutive records are mostly the same command: resolved once.
        let spec = match &self.last {
            Some((last_name, spec)) if last_name == name && spec.arity_ok(argv.len()) => *spec,
            _ => match dispatch::resolve(&argv) {
                Ok(spec) => {
                    // A subcommand's spec depends on the second argument too.
                    if !spec.name.contains('|') {
                        self.last = Some((argv[0].clone(), spec));
                    }
                    spec
                }
                Err(e) if e.0.starts_with("ERR unknown command") => {
                    return Err(format!(
                        "unknown command '{}' reading the append only file",
                        String::from_utf8_lossy(name)
                    ));
                }
                Err(e) => {
                    self.fail(&e.0);
                    return Ok(());
                }
            },
        };
        let mut ctx = Ctx {
            server: self.server,
            client: self.client,
            now_ms: self.now_ms,
            started: None,
            finished: None,
        };
        let reply = match dispatch::execute_loaded(&mut ctx, spec, argv) {
            Reply::Deferred(work) => (work.0)(),
            reply => reply,
        };
        if let Reply::Error(line) = reply {
            self.fail(&line);
        }
        Ok(())
    }

    /// Only commands that succeeded are logged: one that fails now means
    /// the data set differs from what the server had.
    fn fail(&mut self, error: &str) {
        self.failed += 1;
        tracing::warn!(error, "a command in the AOF failed on replay");
    }
}

/// The integer argument of a `SELECT` or clock record.
fn number(argv: &[Bytes]) -> Result<i64, String> {
    argv.get(1)
        .and_then(|a| std::str::from_utf8(a).ok())
        .and_then(|a| a.parse().ok())
        .filter(|_| argv.len() == 2)
        .ok_or_else(|| {
            format!(
                "bad {} record in the append only file",
                String::from_utf8_lossy(&argv[0])
            )
        })
}
