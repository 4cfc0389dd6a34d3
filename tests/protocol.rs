//! Wire-level tests over raw TCP: exact reply bytes for inline and
//! multibulk requests, pipelining, fragmentation, RESP3 encodings and
//! malformed input (which must close only the offending connection).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{TestServer, read_exact_reply};

/// Sends `request` and reads exactly `expected.len()` bytes.
fn roundtrip(stream: &mut TcpStream, request: &[u8], expected: &[u8]) {
    stream.write_all(request).unwrap();
    let got = read_exact_reply(stream, expected.len());
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected)
    );
}

/// Reads until the server closes the connection; returns everything read.
/// A reset (the server closed with our unread bytes pending) counts as closed.
fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return all,
            Ok(n) => all.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return all,
            Err(e) => panic!("server must close the connection: {e}"),
        }
    }
}

/// A multibulk request from its arguments.
fn resp(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
    }
    out
}

#[test]
fn inline_commands_get_resp_replies() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    roundtrip(&mut s, b"PING\r\n", b"+PONG\r\n");
    roundtrip(
        &mut s,
        b"ECHO \"hello world\"\r\n",
        b"$11\r\nhello world\r\n",
    );
    roundtrip(
        &mut s,
        b"echo 'single quoted'\n",
        b"$13\r\nsingle quoted\r\n",
    );
    roundtrip(&mut s, b"ECHO \"a\\x41\\n\"\r\n", b"$3\r\naA\n\r\n");
    // Blank lines are ignored; the next command still answers.
    roundtrip(&mut s, b"\r\n\r\n   \r\nPING\r\n", b"+PONG\r\n");
}

#[test]
fn ten_thousand_pipelined_commands_reply_in_order() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    let mut request = Vec::new();
    let mut expected = Vec::new();
    for i in 0..10_000 {
        if i % 2 == 0 {
            request.extend_from_slice(b"PING\r\n");
            expected.extend_from_slice(b"+PONG\r\n");
        } else {
            let text = format!("msg-{i}");
            request.extend_from_slice(&resp(&["ECHO", &text]));
            expected.extend_from_slice(format!("${}\r\n{text}\r\n", text.len()).as_bytes());
        }
    }
    roundtrip(&mut s, &request, &expected);
}

#[test]
fn a_command_split_into_single_byte_writes_is_assembled() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    s.set_nodelay(true).unwrap();
    for byte in resp(&["ECHO", "fragmented"]) {
        s.write_all(&[byte]).unwrap();
        std::thread::sleep(Duration::from_micros(200));
    }
    assert_eq!(read_exact_reply(&mut s, 17), b"$10\r\nfragmented\r\n");
}

#[test]
fn bad_bulk_length_closes_only_that_connection() {
    let server = TestServer::start(&[]);
    let mut bystander = server.raw();
    roundtrip(&mut bystander, b"PING\r\n", b"+PONG\r\n");
    let mut bad = server.raw();
    bad.write_all(b"*1\r\n$x\r\n").unwrap();
    assert_eq!(
        read_to_close(&mut bad),
        b"-ERR Protocol error: invalid bulk length\r\n"
    );
    roundtrip(
        &mut bystander,
        &resp(&["ECHO", "still here"]),
        b"$10\r\nstill here\r\n",
    );
}

#[test]
fn replies_before_a_protocol_error_are_delivered() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    s.write_all(b"PING\r\n*1\r\n:1\r\n").unwrap();
    assert_eq!(
        read_to_close(&mut s),
        b"+PONG\r\n-ERR Protocol error: expected '$', got ':'\r\n"
    );
}

#[test]
fn oversized_lengths_are_refused_before_the_payload_arrives() {
    let server = TestServer::start(&["--proto-max-bulk-len", "1mb"]);
    let mut s = server.raw();
    s.write_all(b"*2\r\n$4\r\nECHO\r\n$1048577\r\n").unwrap();
    assert_eq!(
        read_to_close(&mut s),
        b"-ERR Protocol error: invalid bulk length\r\n"
    );
    let mut s = server.raw();
    s.write_all(b"*3000000000\r\n").unwrap();
    assert_eq!(
        read_to_close(&mut s),
        b"-ERR Protocol error: invalid multibulk length\r\n"
    );
    // Exactly the limit is allowed.
    let mut s = server.raw();
    let payload = "p".repeat(1024 * 1024);
    s.write_all(&resp(&["ECHO", &payload])).unwrap();
    let reply = read_exact_reply(&mut s, "$1048576\r\n".len() + 1024 * 1024 + 2);
    assert!(reply.starts_with(b"$1048576\r\nppp"));
}

#[test]
fn unbalanced_quotes_and_huge_inline_requests_are_protocol_errors() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    s.write_all(b"ECHO \"hello\r\n").unwrap();
    assert_eq!(
        read_to_close(&mut s),
        b"-ERR Protocol error: unbalanced quotes in request\r\n"
    );
    let mut s = server.raw();
    s.write_all(&vec![b'a'; 70 * 1024]).unwrap();
    assert_eq!(
        read_to_close(&mut s),
        b"-ERR Protocol error: too big inline request\r\n"
    );
}

#[test]
fn empty_and_negative_multibulks_are_ignored() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    roundtrip(&mut s, b"*0\r\n*-1\r\nPING\r\n", b"+PONG\r\n");
}

#[test]
fn query_buffer_over_the_limit_closes_the_client() {
    let server = TestServer::start(&["--client-query-buffer-limit", "1mb"]);
    let mut s = server.raw();
    let _ = s.write_all(format!("*2\r\n$4\r\nECHO\r\n${}\r\n", 4 * 1024 * 1024).as_bytes());
    let chunk = vec![b'x'; 64 * 1024];
    // The server closes while we are still sending: writes start failing.
    let mut closed = false;
    for _ in 0..64 {
        if s.write_all(&chunk).is_err() {
            closed = true;
            break;
        }
    }
    if !closed {
        closed = read_to_close(&mut s).is_empty();
    }
    assert!(closed, "connection must be closed without a reply");
    let mut other = server.raw();
    roundtrip(&mut other, b"PING\r\n", b"+PONG\r\n");
}

/// The client's id, from `CLIENT ID`.
fn client_id(stream: &mut TcpStream) -> i64 {
    stream.write_all(b"CLIENT ID\r\n").unwrap();
    let mut line = Vec::new();
    while !line.ends_with(b"\r\n") {
        let mut b = [0u8; 1];
        stream.read_exact(&mut b).unwrap();
        line.push(b[0]);
    }
    assert_eq!(line[0], b':');
    String::from_utf8_lossy(&line[1..line.len() - 2])
        .parse()
        .unwrap()
}

/// The HELLO reply's entries after `proto`, in RESP2 or RESP3 (same bytes).
fn hello_fields(proto: u8, id: i64) -> String {
    format!(
        "$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:{proto}\r\n\
         $2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n\
         $7\r\nmodules\r\n*0\r\n"
    )
}

#[test]
fn hello_3_switches_to_resp3_encodings() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    let id = client_id(&mut s);
    let expected = format!("%7\r\n{}", hello_fields(3, id));
    roundtrip(&mut s, b"HELLO 3\r\n", expected.as_bytes());
    // RESP3 null for a missing name, verbatim string for CLIENT LIST.
    roundtrip(&mut s, b"CLIENT GETNAME\r\n", b"_\r\n");
    roundtrip(&mut s, b"CLIENT LIST ID 999999\r\n", b"=4\r\ntxt:\r\n");
    // Back to RESP2: the map is a flat array and nulls are $-1 again.
    let expected = format!("*14\r\n{}", hello_fields(2, id));
    roundtrip(&mut s, b"HELLO 2\r\n", expected.as_bytes());
    roundtrip(&mut s, b"CLIENT GETNAME\r\n", b"$-1\r\n");
    roundtrip(&mut s, b"CLIENT LIST ID 999999\r\n", b"$0\r\n\r\n");
}

#[test]
fn hello_refuses_unknown_protocol_versions() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    roundtrip(
        &mut s,
        b"HELLO 4\r\n",
        b"-NOPROTO unsupported protocol version\r\n",
    );
    roundtrip(
        &mut s,
        b"HELLO x\r\n",
        b"-ERR Protocol version is not an integer or out of range\r\n",
    );
    // The connection is still RESP2.
    roundtrip(&mut s, b"CLIENT GETNAME\r\n", b"$-1\r\n");
}

#[test]
fn unauthenticated_clients_get_small_protocol_limits() {
    let server = TestServer::start(&["--requirepass", "s3cret"]);
    let mut s = server.raw();
    roundtrip(&mut s, b"PING\r\n", b"-NOAUTH Authentication required.\r\n");
    s.write_all(b"*11\r\n").unwrap();
    assert_eq!(
        read_to_close(&mut s),
        b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    );
    let mut s = server.raw();
    roundtrip(&mut s, b"AUTH s3cret\r\n", b"+OK\r\n");
    // After AUTH the normal limits apply.
    s.write_all(&resp(&["ECHO", &"e".repeat(20_000)])).unwrap();
    let reply = read_exact_reply(&mut s, 20_000 + 10);
    assert!(reply.starts_with(b"$20000\r\neee"));
}

#[test]
fn config_set_refuses_limits_that_would_lock_every_client_out() {
    // A proto-max-bulk-len of 0 refused every later request (even the
    // CONFIG SET to undo it), and a value above i64::MAX read back as 0;
    // a query buffer limit below 1mb disconnected every client. A string
    // value holds at most 4 GiB - 1 bytes, so proto-max-bulk-len stops
    // there (Redis 7 goes on to i64::MAX).
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    let refused = |name: &str, max: u64| {
        format!(
            "-ERR CONFIG SET failed (possibly related to argument '{name}') - argument must be between 1048576 and {max} inclusive\r\n"
        )
    };
    for (name, value, max) in [
        ("proto-max-bulk-len", "0", u64::from(u32::MAX)),
        ("proto-max-bulk-len", "4294967296", u64::from(u32::MAX)),
        (
            "proto-max-bulk-len",
            "18446744073709551615",
            u64::from(u32::MAX),
        ),
        ("client-query-buffer-limit", "1", i64::MAX as u64),
    ] {
        let request = resp(&["CONFIG", "SET", name, value]);
        roundtrip(&mut s, &request, refused(name, max).as_bytes());
    }
    roundtrip(
        &mut s,
        &resp(&["CONFIG", "SET", "maxmemory", "18446744073709551615"]),
        b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be between 0 and 9223372036854775807 inclusive\r\n",
    );
    // Nothing changed: the defaults still admit ordinary requests.
    roundtrip(
        &mut s,
        &resp(&["CONFIG", "GET", "proto-max-bulk-len"]),
        b"*2\r\n$18\r\nproto-max-bulk-len\r\n$9\r\n536870912\r\n",
    );
    let value = "v".repeat(100_000);
    roundtrip(&mut s, &resp(&["SET", "k", &value]), b"+OK\r\n");
    roundtrip(
        &mut s,
        &resp(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"]),
        b"+OK\r\n",
    );
    roundtrip(&mut server.raw(), b"PING\r\n", b"+PONG\r\n");
}
