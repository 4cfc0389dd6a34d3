//! The `INFO sessions` section.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use crate::keyspace::Value;
use crate::state::Server;

use super::Session;

/// `INFO sessions` fields, in order, computed across all databases:
/// `sessions` (live sessions), `tables`, `frame_versions` (kept history
/// versions), `frame_memory_bytes` (distinct column buffers),
/// `frame_ops_applied`, `frame_undos`, `frame_redos`, `sessions_expired`
/// (removed by TTL since start), `frame_op_latency_p50_us` and
/// `frame_op_latency_p99_us` (over the last 1024 `FRAME.APPLY` calls, 0
/// before any).
///
/// Each database is locked only to collect its sessions; sizes are
/// computed after, and never wait for a table an op is changing.
pub fn info_fields(server: &Server) -> Vec<(String, String)> {
    let now = crate::keyspace::now_ms();
    let mut sessions: Vec<Arc<Session>> = Vec::new();
    let mut expired = 0u64;
    for index in 0..server.keyspace.len() {
        let db = server.keyspace.db(index);
        expired += db.expired_sessions;
        sessions.extend(db.iter().filter_map(|(_, entry)| match &entry.value {
            Value::Session(s) if !entry.expired(now) => Some(s.clone()),
            _ => None,
        }));
    }
    let mut tables = 0;
    let mut versions = 0;
    let mut bytes = 0;
    for session in &sessions {
        tables += session.tables.lock().len();
        let footprint = session.footprint();
        versions += footprint.versions;
        bytes += footprint.memory_bytes;
    }
    let stats = &server.frame_stats;
    let (p50, p99) = latency_percentiles(
        &stats
            .op_latencies_us
            .lock()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
    );
    let fields: [(&str, u64); 10] = [
        ("sessions", sessions.len() as u64),
        ("tables", tables as u64),
        ("frame_versions", versions as u64),
        ("frame_memory_bytes", bytes as u64),
        ("frame_ops_applied", stats.ops_applied.load(Relaxed)),
        ("frame_undos", stats.undos.load(Relaxed)),
        ("frame_redos", stats.redos.load(Relaxed)),
        ("sessions_expired", expired),
        ("frame_op_latency_p50_us", p50),
        ("frame_op_latency_p99_us", p99),
    ];
    fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Nearest-rank 50th and 99th percentiles; (0, 0) for no samples.
fn latency_percentiles(samples: &[u64]) -> (u64, u64) {
    if samples.is_empty() {
        return (0, 0);
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = |p: f64| {
        let r = (p * sorted.len() as f64).ceil() as usize;
        sorted[r.clamp(1, sorted.len()) - 1]
    };
    (rank(0.50), rank(0.99))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let samples: Vec<u64> = (1..=100).collect();
        assert_eq!(latency_percentiles(&samples), (50, 99));
        assert_eq!(latency_percentiles(&[7]), (7, 7));
        assert_eq!(latency_percentiles(&[]), (0, 0));
    }
}
