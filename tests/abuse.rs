//! Raw-socket abuse against the real binary: garbage, absurd and negative
//! lengths, truncated and dripped requests, half-closed sockets, thousands
//! of idle connections, and clients over `client-output-buffer-limit`.
//! After each, another client must get PONG and a SET/GET round trip, and
//! the server process must still be alive. (Plain malformed-length cases
//! are in tests/protocol.rs.)

mod common;
mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use common::{TestServer, read_exact_reply, temp_dir};
use support::{ok, texts};

/// Another client gets PONG and a SET/GET round trip; the process lives.
fn assert_healthy(server: &TestServer) {
    assert!(
        std::path::Path::new(&format!("/proc/{}", server.pid())).exists(),
        "server process died"
    );
    let mut con = server.conn();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
    let _: () = redis::cmd("SET")
        .arg("abuse:k")
        .arg("v1")
        .query(&mut con)
        .unwrap();
    let got: String = redis::cmd("GET").arg("abuse:k").query(&mut con).unwrap();
    assert_eq!(got, "v1");
}

/// Reads until the server closes (EOF or reset) or `limit` passes.
/// Returns what was read and whether it closed.
fn read_until_close(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let start = Instant::now();
    let mut all = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    while start.elapsed() < limit {
        match stream.read(&mut chunk) {
            Ok(0) => return (all, true),
            Ok(n) => all.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return (all, true),
            Err(_) => {}
        }
    }
    (all, false)
}

fn reply_line(stream: &mut TcpStream, request: &[u8], expected: &[u8]) {
    stream.write_all(request).unwrap();
    let got = read_exact_reply(stream, expected.len());
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected)
    );
}

#[test]
fn garbage_bytes_never_take_the_server_down() {
    let server = TestServer::start(&[]);
    let junk: Vec<&[u8]> = vec![
        b"\x00\xff\x01\x02garbage\r\n",
        b"\xde\xad\xbe\xef\r\n\r\n\r\n",
        b"*\r\n",
        b"$\r\n",
        b"*1\r\n*1\r\n",
        b"*2\r\n$3\r\nGET\r\n:5\r\n",
        b"\r\n\r\n\n\n\0\0\0",
        b"*1\r\n$4\r\nPINGxx\r\n",
    ];
    for bytes in junk {
        let mut s = server.raw();
        s.write_all(bytes).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let (_, closed) = read_until_close(&mut s, Duration::from_secs(5));
        assert!(closed, "connection for {bytes:?} must end");
        assert_healthy(&server);
    }
    // Pseudo-random bytes, a few kilobytes per connection.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..20 {
        let bytes: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let mut s = server.raw();
        let _ = s.write_all(&bytes);
        let _ = s.shutdown(Shutdown::Write);
        read_until_close(&mut s, Duration::from_secs(5));
    }
    assert_healthy(&server);
}

#[test]
fn a_2_to_the_31_bulk_length_is_refused() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    reply_line(
        &mut s,
        b"*1\r\n$2147483648\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
    );
    let (_, closed) = read_until_close(&mut s, Duration::from_secs(5));
    assert!(closed);
    // Outside a multibulk it is an inline command, as in Redis.
    let mut s = server.raw();
    reply_line(
        &mut s,
        b"$2147483648\r\n",
        b"-ERR unknown command '$2147483648', with args beginning with: \r\n",
    );
    assert_healthy(&server);
}

#[test]
fn a_million_element_header_then_close_costs_nothing() {
    let server = TestServer::start(&[]);
    for _ in 0..50 {
        let mut s = server.raw();
        s.write_all(b"*1000000\r\n").unwrap();
        drop(s);
    }
    // And one that sends a few elements of it before closing.
    let mut s = server.raw();
    s.write_all(b"*1000000\r\n$3\r\nSET\r\n$1\r\na\r\n")
        .unwrap();
    drop(s);
    assert_healthy(&server);
}

#[test]
fn negative_lengths_are_ignored_or_refused_as_redis() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    // A negative multibulk count is an empty request (Redis: no reply).
    reply_line(&mut s, b"*-5\r\nPING\r\n", b"+PONG\r\n");
    let mut s = server.raw();
    reply_line(
        &mut s,
        b"*2\r\n$-7\r\n$4\r\nPING\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
    );
    assert!(read_until_close(&mut s, Duration::from_secs(5)).1);
    let mut s = server.raw();
    reply_line(
        &mut s,
        b"*1\r\n$-1\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
    );
    assert_healthy(&server);
}

#[test]
fn a_command_dripped_one_byte_per_100ms_runs_once_complete() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    let request = b"*3\r\n$3\r\nSET\r\n$5\r\ndrip!\r\n$2\r\nok\r\n";
    s.set_nodelay(true).unwrap();
    for (i, b) in request.iter().enumerate() {
        s.write_all(&[*b]).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        if i == request.len() / 2 {
            // Other clients are served meanwhile.
            assert_healthy(&server);
        }
    }
    let got = read_exact_reply(&mut s, 5);
    assert_eq!(got, b"+OK\r\n");
    let mut con = server.conn();
    let value: String = redis::cmd("GET").arg("drip!").query(&mut con).unwrap();
    assert_eq!(value, "ok");
    assert_healthy(&server);
}

#[test]
fn a_half_closed_socket_still_gets_its_reply() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    s.write_all(b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n")
        .unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let (got, closed) = read_until_close(&mut s, Duration::from_secs(5));
    assert_eq!(got, b"+PONG\r\n$2\r\nhi\r\n");
    assert!(closed, "the server closes after answering");
    assert_healthy(&server);
}

/// The open-files limit of this process (`ulimit -n`), from /proc.
fn open_files_limit() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1024)
}

#[test]
fn five_thousand_idle_connections_leave_the_server_answering() {
    // Both this process and the server (which inherits the limit) hold one
    // descriptor per connection: use 5,000 where the limit allows it.
    let count = 5000.min(open_files_limit().saturating_sub(200));
    assert!(count >= 900, "ulimit -n is too low for this test");
    let server = TestServer::start(&[]);
    let idle: Vec<TcpStream> = (0..count).map(|_| server.raw()).collect();
    assert_healthy(&server);
    let mut con = server.conn();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let info: String = redis::cmd("INFO").arg("clients").query(&mut con).unwrap();
        let connected: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("connected_clients:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        if connected > count {
            break;
        }
        assert!(Instant::now() < deadline, "only {connected} connected");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(idle);
    assert_healthy(&server);
}

#[test]
fn output_buffer_limit_config_reads_as_redis() {
    let server = TestServer::start(&[
        "--client-output-buffer-limit",
        "pubsub",
        "64mb",
        "16mb",
        "90",
    ]);
    let mut con = server.conn();
    let got = output_limits(&mut con);
    assert_eq!(
        got[1],
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 67108864 16777216 90"
    );
    ok(
        &mut con,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 1kb 2mb 3 replica 1 2 3",
        ],
    );
    let got = output_limits(&mut con);
    assert_eq!(
        got[1],
        "normal 1024 2097152 3 slave 1 2 3 pubsub 67108864 16777216 90"
    );
    for (value, message) in [
        (
            "normal 1 2",
            "Wrong number of arguments in buffer limit configuration.",
        ),
        (
            "master 1 2 3",
            "Invalid client class specified in buffer limit configuration.",
        ),
        (
            "normal 1 2 -3",
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
        ),
    ] {
        let e = redis::cmd("CONFIG")
            .arg("SET")
            .arg("client-output-buffer-limit")
            .arg(value)
            .query::<()>(&mut con)
            .unwrap_err();
        let text = format!("{e}");
        assert!(
            text.contains(
                "CONFIG SET failed (possibly related to argument 'client-output-buffer-limit')"
            ) && text.contains(message),
            "{text}"
        );
    }
}

#[test]
fn a_reply_over_the_normal_hard_limit_closes_the_client() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let big = vec![b'x'; 300_000];
    let _: () = redis::cmd("SET")
        .arg("big")
        .arg(&big)
        .query(&mut con)
        .unwrap();
    ok(
        &mut con,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 100kb 0 0",
        ],
    );
    let mut s = server.raw();
    s.write_all(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n").unwrap();
    let (got, closed) = read_until_close(&mut s, Duration::from_secs(5));
    assert!(closed && got.is_empty(), "got {} bytes", got.len());
    // Small replies still flow.
    let mut s = server.raw();
    reply_line(&mut s, b"PING\r\n", b"+PONG\r\n");
    ok(
        &mut con,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 0 0 0",
        ],
    );
    assert_healthy(&server);
}

#[test]
fn a_subscriber_that_never_reads_is_closed_at_the_pubsub_limit() {
    let server = TestServer::launch_ok(
        temp_dir(),
        &[
            "--appendonly",
            "no",
            "--client-output-buffer-limit",
            "pubsub 1mb 256kb 60",
        ],
    );
    let mut sub = server.raw();
    reply_line(
        &mut sub,
        b"*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nflood\r\n",
        b"*3\r\n$9\r\nsubscribe\r\n$5\r\nflood\r\n:1\r\n",
    );
    let mut con = server.conn();
    let payload = vec![b'p'; 64 * 1024];
    // 200 MB offered: far past socket buffers and the 1 MB limit.
    let mut closed_after = None;
    for i in 0..3200 {
        let _: i64 = redis::cmd("PUBLISH")
            .arg("flood")
            .arg(&payload)
            .query(&mut con)
            .unwrap();
        let n: i64 = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg("flood")
            .query::<Vec<redis::Value>>(&mut con)
            .ok()
            .and_then(|v| match v.get(1) {
                Some(redis::Value::Int(n)) => Some(*n),
                _ => None,
            })
            .unwrap_or(-1);
        if n == 0 {
            closed_after = Some(i);
            break;
        }
    }
    let sent = closed_after.expect("the subscriber must be disconnected");
    assert!(sent < 1000, "closed only after {sent} messages");
    let (_, closed) = read_until_close(&mut sub, Duration::from_secs(30));
    assert!(closed, "the subscriber's socket is closed");
    let log = server.log_text();
    assert!(
        log.contains("scheduled to be closed ASAP for overcoming of output buffer limits."),
        "{log}"
    );
    assert_healthy(&server);
}

/// `CONFIG GET client-output-buffer-limit` as `[name, value]`.
fn output_limits(con: &mut redis::Connection) -> Vec<String> {
    texts(&ok(con, &["CONFIG", "GET", "client-output-buffer-limit"]))
}
