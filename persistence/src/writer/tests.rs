//! Tests of the AOF writer against real files in the temp directory.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::*;
use crate::record::{Tail, decode_all, encode};

/// A fresh path in the temp directory; the file is removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str) -> TempFile {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("framekv-writer-{tag}-{}-{nanos}.aof", std::process::id());
        TempFile(std::env::temp_dir().join(name))
    }

    fn len(&self) -> u64 {
        std::fs::metadata(&self.0).map_or(0, |m| m.len())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One encoded `SET t<thread> <seq>` record.
fn record(thread: usize, seq: usize) -> Vec<u8> {
    let mut out = Vec::new();
    encode(
        &[
            b"SET".to_vec(),
            format!("t{thread}").into_bytes(),
            seq.to_string().into_bytes(),
        ],
        &mut out,
    );
    out
}

/// Decodes the file, asserts a clean tail, and checks that thread `t`'s
/// records are exactly `0..per_thread` in order. Returns the record count.
fn check_file(path: &Path, threads: usize, per_thread: usize) -> usize {
    let bytes = std::fs::read(path).expect("the test file exists");
    let decoded = decode_all(&bytes);
    assert_eq!(decoded.tail, Tail::Clean);
    assert_eq!(decoded.valid_len, bytes.len());
    let mut next = vec![0usize; threads];
    for argv in &decoded.records {
        assert_eq!(argv[0].as_ref(), b"SET");
        let key = std::str::from_utf8(&argv[1]).expect("ascii key");
        let t: usize = key[1..].parse().expect("t<n>");
        let seq: usize = std::str::from_utf8(&argv[2])
            .expect("ascii")
            .parse()
            .expect("n");
        assert_eq!(seq, next[t], "thread {t} out of order");
        next[t] += 1;
    }
    assert_eq!(next, vec![per_thread; threads]);
    decoded.records.len()
}

/// Runs `threads` threads each appending `per_thread` records and waiting
/// for each to be durable; checks the file length covers every ticket.
fn hammer(writer: &AofWriter, file: &TempFile, threads: usize, per_thread: usize) {
    std::thread::scope(|scope| {
        for t in 0..threads {
            scope.spawn(move || {
                for seq in 0..per_thread {
                    let ticket = writer.append(record(t, seq));
                    writer.wait_durable(ticket).expect("write succeeds");
                    assert!(file.len() >= ticket.0, "durable ticket beyond end of file");
                }
            });
        }
    });
}

#[test]
fn policy_parses_redis_values() {
    assert_eq!("always".parse(), Ok(FsyncPolicy::Always));
    assert_eq!("EverySec".parse(), Ok(FsyncPolicy::EverySec));
    assert_eq!("no".parse(), Ok(FsyncPolicy::No));
    assert!("sometimes".parse::<FsyncPolicy>().is_err());
    assert!("".parse::<FsyncPolicy>().is_err());
}

#[test]
fn writer_always_eight_threads_all_land_in_order() {
    let file = TempFile::new("always8");
    let writer = AofWriter::open(&file.0, FsyncPolicy::Always).expect("open");
    hammer(&writer, &file, 8, 50);
    let expected_len: u64 = (0..8)
        .flat_map(|t| (0..50).map(move |s| record(t, s).len() as u64))
        .sum();
    assert_eq!(writer.size(), expected_len);
    assert_eq!(file.len(), expected_len);
    assert_eq!(writer.last_write_status(), Ok(()));
    drop(writer);
    assert_eq!(check_file(&file.0, 8, 50), 400);
}

#[test]
fn writer_always_group_commit_shares_fsyncs() {
    let file = TempFile::new("group");
    let writer = AofWriter::open(&file.0, FsyncPolicy::Always).expect("open");
    hammer(&writer, &file, 8, 200);
    let stats = writer.stats();
    assert!(stats.fsyncs >= 1);
    assert!(stats.fsyncs < 1600, "no group commit: {stats:?}");
    assert!(stats.writes < 1600, "no batching: {stats:?}");
    assert_eq!(stats.bytes_written, file.len());
    drop(writer);
    assert_eq!(check_file(&file.0, 8, 200), 1600);
}

#[test]
fn writer_everysec_writes_promptly_and_syncs_rarely() {
    let file = TempFile::new("everysec");
    let writer = AofWriter::open(&file.0, FsyncPolicy::EverySec).expect("open");
    let start = Instant::now();
    let first = writer.append(record(0, 0));
    while file.len() < first.0 {
        assert!(
            start.elapsed() < Duration::from_millis(100),
            "not written within 100 ms"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    writer.wait_durable(first).expect("written");
    let mut seq = 1;
    while start.elapsed() < Duration::from_millis(1500) {
        let ticket = writer.append(record(0, seq));
        writer.wait_durable(ticket).expect("written");
        assert!(file.len() >= ticket.0);
        seq += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
    let stats = writer.stats();
    assert!(stats.fsyncs >= 1, "no background fsync in 1.5 s: {stats:?}");
    assert!(stats.fsyncs <= 3, "too many fsyncs: {stats:?}");
    assert!(stats.writes >= 50, "writes not prompt: {stats:?}");
    drop(writer);
    check_file(&file.0, 1, seq);
}

#[test]
fn writer_flush_and_sync_persists_everything() {
    let file = TempFile::new("flush");
    let writer = AofWriter::open(&file.0, FsyncPolicy::No).expect("open");
    for seq in 0..1000 {
        writer.append(record(0, seq));
    }
    writer.flush_and_sync().expect("flush");
    assert_eq!(file.len(), writer.size());
    assert_eq!(writer.stats().fsyncs, 1);
    // Nothing new: no second fsync.
    writer.flush_and_sync().expect("flush again");
    assert_eq!(writer.stats().fsyncs, 1);
    check_file(&file.0, 1, 1000);
    drop(writer);
}

#[test]
fn writer_flush_writes_everything_without_an_fsync() {
    let file = TempFile::new("flush-only");
    let writer = AofWriter::open(&file.0, FsyncPolicy::No).expect("open");
    // Rounds of appends through the write loop's reused buffer: each
    // flush must find every record of its round in the file, in order.
    let mut seq = 0;
    for round in 0..5 {
        for _ in 0..(200 << round) {
            writer.append_with(|buf| buf.extend_from_slice(&record(0, seq)));
            seq += 1;
        }
        writer.flush().expect("flush");
        assert_eq!(file.len(), writer.size());
        check_file(&file.0, 1, seq);
    }
    assert_eq!(writer.stats().fsyncs, 0);
    drop(writer);
}

#[test]
fn writer_reports_its_buffers_and_keeps_only_a_modest_spare() {
    let file = TempFile::new("buffered");
    let writer = AofWriter::open(&file.0, FsyncPolicy::No).expect("open");
    assert_eq!(writer.buffered_bytes(), 0);
    let big = |mb: usize| {
        let mut out = Vec::new();
        encode(
            &[b"SET".to_vec(), b"k".to_vec(), vec![b'x'; mb << 20]],
            &mut out,
        );
        out
    };
    // Pending, in flight or kept as the spare once written: counted.
    writer.append_with(|buf| buf.extend_from_slice(&big(1)));
    assert!(writer.buffered_bytes() >= 1 << 20);
    writer.flush().expect("flush");
    assert!(writer.buffered_bytes() >= 1 << 20, "the spare is counted");
    // A buffer past 8 MiB is freed once written, not kept.
    writer.append_with(|buf| buf.extend_from_slice(&big(16)));
    writer.flush().expect("flush");
    assert!(
        writer.buffered_bytes() < 8 << 20,
        "{}",
        writer.buffered_bytes()
    );
    drop(writer);
}

#[test]
fn writer_drop_leaves_clean_file_and_reopen_continues() {
    let file = TempFile::new("drop");
    let writer = AofWriter::open(&file.0, FsyncPolicy::No).expect("open");
    for seq in 0..300 {
        writer.append(record(0, seq));
    }
    drop(writer);
    check_file(&file.0, 1, 300);
    let len = file.len();
    let writer = AofWriter::open(&file.0, FsyncPolicy::Always).expect("reopen");
    assert_eq!(writer.size(), len);
    let more = record(0, 300);
    let ticket = writer.append(more.clone());
    assert_eq!(ticket, Ticket(len + more.len() as u64));
    writer.wait_durable(ticket).expect("durable");
    drop(writer);
    check_file(&file.0, 1, 301);
}

#[tokio::test]
async fn writer_async_wait_resolves() {
    let file = TempFile::new("async");
    let writer = AofWriter::open(&file.0, FsyncPolicy::Always).expect("open");
    let ticket = writer.append(record(0, 0));
    let rx = writer.wait_durable_async(ticket);
    rx.await.expect("writer alive").expect("durable");
    assert!(file.len() >= ticket.0);
    assert!(writer.stats().fsyncs >= 1);
    // Already durable: resolves at once.
    writer
        .wait_durable_async(ticket)
        .await
        .expect("alive")
        .expect("durable");
    drop(writer);
    check_file(&file.0, 1, 1);
}

/// `/dev/full` fails every write with ENOSPC: waiters and the status report
/// it, and drop still returns.
#[cfg(target_os = "linux")]
#[test]
fn writer_write_error_reaches_waiters() {
    let path = Path::new("/dev/full");
    if !path.exists() {
        return;
    }
    let writer = AofWriter::open(path, FsyncPolicy::Always).expect("open /dev/full");
    let ticket = writer.append(record(0, 0));
    let err = writer.wait_durable(ticket).expect_err("disk full");
    assert!(err.to_string().contains("write to the AOF"), "{err}");
    let status = writer.last_write_status().expect_err("status records it");
    assert!(status.contains("/dev/full"), "{status}");
    assert!(writer.flush_and_sync().is_err());
    assert!(writer.stats().errors >= 1);
    let start = Instant::now();
    drop(writer);
    assert!(start.elapsed() < Duration::from_secs(2));
}
