//! MONITOR and CLIENT PAUSE / UNPAUSE against the real binary, with the
//! bytes and timings redis-server 7.0.15 gives (checked side by side):
//! monitor lines with their quoting, database and address, what is not
//! shown, AUTH/HELLO redaction, the monitor's own mode; commands held by
//! `CLIENT PAUSE ALL` / `WRITE` until the timeout or `CLIENT UNPAUSE`, and
//! the error texts. Timing bounds are relative to the pause length and
//! generous, for a loaded machine.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::TestServer;

/// A raw connection that reads replies line by line.
struct Raw {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Raw {
    fn open(server: &TestServer) -> Raw {
        let stream = server.raw();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        Raw { stream, reader }
    }

    /// `ip:port` of this end, as the server shows it.
    fn addr(&self) -> String {
        self.stream.local_addr().unwrap().to_string()
    }

    fn send(&mut self, words: &[&[u8]]) {
        let mut frame = format!("*{}\r\n", words.len()).into_bytes();
        for w in words {
            frame.extend_from_slice(format!("${}\r\n", w.len()).as_bytes());
            frame.extend_from_slice(w);
            frame.extend_from_slice(b"\r\n");
        }
        self.stream.write_all(&frame).unwrap();
    }

    fn send_str(&mut self, words: &[&str]) {
        let words: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        self.send(&words);
    }

    /// One line, without its `\r\n`, as (lossy) text.
    fn line(&mut self) -> String {
        let mut line = Vec::new();
        self.reader.read_until(b'\n', &mut line).unwrap();
        assert!(line.ends_with(b"\r\n"), "incomplete line {line:?}");
        line.truncate(line.len() - 2);
        String::from_utf8_lossy(&line).into_owned()
    }

    /// Reads one whole RESP value and returns its first line (a bulk
    /// string's content for `$`).
    fn value(&mut self) -> String {
        let head = self.line();
        let count = |h: &str| h[1..].parse::<i64>().unwrap();
        match head.as_bytes().first() {
            Some(b'*' | b'~' | b'>') => {
                for _ in 0..count(&head).max(0) {
                    self.value();
                }
                head
            }
            Some(b'%') => {
                for _ in 0..2 * count(&head) {
                    self.value();
                }
                head
            }
            Some(b'$' | b'=') if count(&head) >= 0 => {
                let mut body = vec![0u8; count(&head) as usize + 2];
                self.reader.read_exact(&mut body).unwrap();
                body.truncate(body.len() - 2);
                String::from_utf8_lossy(&body).into_owned()
            }
            _ => head,
        }
    }

    /// Sends a command whose reply is one line and returns that line.
    fn round(&mut self, words: &[&str]) -> String {
        self.send_str(words);
        self.line()
    }

    /// True when nothing arrives within `wait`.
    fn silent_for(&mut self, wait: Duration) -> bool {
        self.stream.set_read_timeout(Some(wait)).unwrap();
        let mut byte = [0u8; 1];
        let silent = match self.reader.read(&mut byte) {
            Ok(0) => false,
            Ok(_) => {
                panic!("unexpected byte {:?}", byte[0] as char);
            }
            Err(_) => true,
        };
        self.stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        silent
    }
}

/// Reads a monitor line and returns what follows its timestamp, after
/// checking the `+<secs>.<6 digits> ` shape and that the time is now.
fn monitor_line(monitor: &mut Raw) -> String {
    let line = monitor.line();
    let rest = line
        .strip_prefix('+')
        .unwrap_or_else(|| panic!("not a status line: {line}"));
    let (stamp, tail) = rest.split_once(' ').unwrap();
    let (secs, micros) = stamp.split_once('.').unwrap();
    assert_eq!(micros.len(), 6, "{line}");
    assert!(micros.bytes().all(|b| b.is_ascii_digit()), "{line}");
    let secs: u64 = secs.parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(secs + 60 >= now && secs <= now + 1, "{line}");
    tail.to_string()
}

fn start_monitor(server: &TestServer) -> Raw {
    let mut monitor = Raw::open(server);
    assert_eq!(monitor.round(&["MONITOR"]), "+OK");
    monitor
}

#[test]
fn monitor_shows_commands_with_redis_quoting_db_and_address() {
    let server = TestServer::start(&[]);
    let mut monitor = start_monitor(&server);
    let mut client = Raw::open(&server);
    let at = client.addr();

    client.send(&[b"set", b"k\x01\"\\\n\r\t\x07\x08 \xff~", b"123"]);
    assert_eq!(client.line(), "+OK");
    assert_eq!(
        monitor_line(&mut monitor),
        format!(r#"[0 {at}] "set" "k\x01\"\\\n\r\t\a\b \xff~" "123""#)
    );
    // The database after the command ran.
    assert_eq!(client.round(&["SELECT", "5"]), "+OK");
    assert_eq!(
        monitor_line(&mut monitor),
        format!(r#"[5 {at}] "SELECT" "5""#)
    );
    assert_eq!(client.round(&["GET", ""]), "$-1");
    assert_eq!(monitor_line(&mut monitor), format!(r#"[5 {at}] "GET" """#));
    // Not shown: unknown commands, wrong arity, admin commands.
    assert!(
        client
            .round(&["NOSUCH", "x"])
            .starts_with("-ERR unknown command")
    );
    assert!(client.round(&["GET"]).starts_with("-ERR wrong number"));
    client.send_str(&["CONFIG", "GET", "port"]);
    client.value();
    client.send_str(&["CLIENT", "LIST"]);
    client.value();
    // Shown even when the command fails in its handler.
    assert_eq!(client.round(&["EXEC"]), "-ERR EXEC without MULTI");
    assert_eq!(monitor_line(&mut monitor), format!(r#"[5 {at}] "EXEC""#));
    assert_eq!(client.round(&["CLIENT", "ID"]).chars().next(), Some(':'));
    assert_eq!(
        monitor_line(&mut monitor),
        format!(r#"[5 {at}] "CLIENT" "ID""#)
    );
    // A transaction: MULTI, then the queued commands when EXEC runs them,
    // then EXEC.
    assert_eq!(client.round(&["MULTI"]), "+OK");
    assert_eq!(client.round(&["SET", "a", "1"]), "+QUEUED");
    assert_eq!(client.round(&["INCR", "a"]), "+QUEUED");
    client.send_str(&["EXEC"]);
    assert_eq!(client.line(), "*2");
    assert_eq!(client.line(), "+OK");
    assert_eq!(client.line(), ":2");
    for expected in [
        r#""MULTI""#,
        r#""SET" "a" "1""#,
        r#""INCR" "a""#,
        r#""EXEC""#,
    ] {
        assert_eq!(monitor_line(&mut monitor), format!("[5 {at}] {expected}"));
    }
}

#[test]
fn monitor_redacts_passwords_as_redis() {
    let server = TestServer::start(&[]);
    let mut monitor = start_monitor(&server);
    let mut client = Raw::open(&server);
    let at = client.addr();
    let cases: &[(&[&str], &str)] = &[
        (&["AUTH", "secret"], r#""AUTH" "(redacted)""#),
        (
            &["AUTH", "user", "secret"],
            r#""AUTH" "(redacted)" "(redacted)""#,
        ),
        // Too many arguments: refused before the redaction.
        (
            &["AUTH", "user", "secret", "x"],
            r#""AUTH" "user" "secret" "x""#,
        ),
        (
            &["HELLO", "2", "AUTH", "default", "pw"],
            r#""HELLO" "2" "AUTH" "(redacted)" "(redacted)""#,
        ),
        (
            &["HELLO", "2", "AUTH", "default"],
            r#""HELLO" "2" "AUTH" "default""#,
        ),
        (
            &["HELLO", "x", "AUTH", "default", "pw"],
            r#""HELLO" "x" "AUTH" "default" "pw""#,
        ),
        (
            &["HELLO", "2", "bad", "AUTH", "default", "pw"],
            r#""HELLO" "2" "bad" "AUTH" "default" "pw""#,
        ),
    ];
    for (words, shown) in cases {
        client.send_str(words);
        client.value();
        assert_eq!(monitor_line(&mut monitor), format!("[0 {at}] {shown}"));
    }
}

#[test]
fn a_monitor_stays_in_monitor_mode_until_reset() {
    let server = TestServer::start(&[]);
    let mut monitor = start_monitor(&server);
    let at = monitor.addr();
    let mut other = Raw::open(&server);
    // CLIENT LIST shows the monitor with flags=O and cmd=monitor.
    other.send_str(&["CLIENT", "LIST"]);
    let list = other.value();
    let line = list
        .lines()
        .find(|l| l.contains(&format!("addr={at} ")))
        .unwrap();
    assert!(line.contains(" flags=O "), "{line}");
    assert!(line.contains(" cmd=monitor "), "{line}");
    // Its own commands: the reply, then their monitor line.
    assert_eq!(monitor.round(&["PING"]), "+PONG");
    assert_eq!(monitor_line(&mut monitor), format!(r#"[0 {at}] "PING""#));
    // No keyspace access, and not shown.
    for words in [
        &["GET", "k"][..],
        &["SET", "k", "v"],
        &["DBSIZE"],
        &["PUBLISH", "c", "m"],
    ] {
        assert_eq!(
            monitor.round(words),
            "-ERR Replica can't interact with the keyspace"
        );
    }
    // A second MONITOR gets no reply at all.
    monitor.send_str(&["MONITOR"]);
    assert_eq!(monitor.round(&["ECHO", "hi"]), "$2");
    assert_eq!(monitor.line(), "hi");
    assert_eq!(
        monitor_line(&mut monitor),
        format!(r#"[0 {at}] "ECHO" "hi""#)
    );
    // Not from inside a transaction.
    let mut queued = Raw::open(&server);
    assert_eq!(queued.round(&["MULTI"]), "+OK");
    assert_eq!(queued.round(&["MONITOR"]), "+QUEUED");
    assert_eq!(queued.round(&["EXEC"]), "*1");
    assert_eq!(
        queued.line(),
        "-ERR MONITOR isn't allowed for DENY BLOCKING client"
    );
    assert_eq!(
        monitor_line(&mut monitor).split_once("] ").unwrap().1,
        r#""MULTI""#
    );
    assert_eq!(
        monitor_line(&mut monitor).split_once("] ").unwrap().1,
        r#""EXEC""#
    );
    // RESET ends monitor mode.
    assert_eq!(monitor.round(&["RESET"]), "+RESET");
    assert_eq!(other.round(&["SET", "k", "v"]), "+OK");
    assert!(monitor.silent_for(Duration::from_millis(300)));
    assert_eq!(monitor.round(&["GET", "k"]), "$1");
    assert_eq!(monitor.line(), "v");
}

#[test]
fn monitor_lines_are_status_lines_in_resp3_and_stop_on_disconnect() {
    let server = TestServer::start(&[]);
    let mut monitor = Raw::open(&server);
    monitor.send_str(&["HELLO", "3"]);
    assert_eq!(monitor.value(), "%7");
    assert_eq!(monitor.round(&["MONITOR"]), "+OK");
    let mut client = Raw::open(&server);
    let at = client.addr();
    assert_eq!(client.round(&["SET", "k", "v"]), "+OK");
    assert_eq!(
        monitor_line(&mut monitor),
        format!(r#"[0 {at}] "SET" "k" "v""#)
    );
    drop(monitor);
    sleep(Duration::from_millis(100));
    assert_eq!(client.round(&["GET", "k"]), "$1");
    assert_eq!(client.line(), "v");
}

#[test]
fn client_pause_errors_match_redis() {
    let server = TestServer::start(&[]);
    let mut c = Raw::open(&server);
    let cases: &[(&[&str], &str)] = &[
        (
            &["CLIENT", "PAUSE"],
            "-ERR wrong number of arguments for 'client|pause' command",
        ),
        (
            &["CLIENT", "PAUSE", "abc"],
            "-ERR timeout is not an integer or out of range",
        ),
        (
            &["CLIENT", "PAUSE", "1.5"],
            "-ERR timeout is not an integer or out of range",
        ),
        (&["CLIENT", "PAUSE", "-1"], "-ERR timeout is negative"),
        (
            &["CLIENT", "PAUSE", "10", "foo"],
            "-ERR CLIENT PAUSE mode must be WRITE or ALL",
        ),
        (
            &["CLIENT", "PAUSE", "abc", "foo"],
            "-ERR CLIENT PAUSE mode must be WRITE or ALL",
        ),
        (
            &["CLIENT", "pause", "10", "write", "x"],
            "-ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.",
        ),
        (
            &["CLIENT", "UNPAUSE", "x"],
            "-ERR wrong number of arguments for 'client|unpause' command",
        ),
        (&["CLIENT", "UNPAUSE"], "+OK"),
        // Zero, or an end that overflows: over at once.
        (&["CLIENT", "PAUSE", "0"], "+OK"),
        (&["GET", "k"], "$-1"),
        (&["CLIENT", "PAUSE", "9223372036854775807", "ALL"], "+OK"),
        (&["GET", "k"], "$-1"),
    ];
    for (words, reply) in cases {
        assert_eq!(c.round(words), *reply, "{words:?}");
    }
}

/// Pause length for the timing tests.
const PAUSE_MS: u64 = 1500;

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

#[test]
fn pause_all_holds_every_command_until_the_timeout() {
    let server = TestServer::start(&[]);
    let mut pauser = Raw::open(&server);
    let mut reader = Raw::open(&server);
    let mut other = Raw::open(&server);
    let started = Instant::now();
    assert_eq!(
        pauser.round(&["CLIENT", "PAUSE", &PAUSE_MS.to_string(), "ALL"]),
        "+OK"
    );
    // Refused commands are answered at once.
    assert!(reader.round(&["GET"]).starts_with("-ERR wrong number"));
    assert!(
        reader
            .round(&["NOSUCH"])
            .starts_with("-ERR unknown command")
    );
    assert!(ms(started.elapsed()) < PAUSE_MS / 2);
    // Held: GET, and (as in Redis) even CLIENT UNPAUSE.
    reader.send_str(&["GET", "k"]);
    other.send_str(&["CLIENT", "UNPAUSE"]);
    assert_eq!(reader.line(), "$-1");
    let waited = ms(started.elapsed());
    assert!(
        waited >= PAUSE_MS * 9 / 10,
        "GET answered after {waited} ms"
    );
    assert!(waited < PAUSE_MS + 10_000, "GET answered after {waited} ms");
    assert_eq!(other.line(), "+OK");
}

#[test]
fn pause_write_holds_writes_until_unpause_and_lets_reads_through() {
    let server = TestServer::start(&[]);
    let mut pauser = Raw::open(&server);
    let long = PAUSE_MS * 20;
    let started = Instant::now();
    assert_eq!(
        pauser.round(&["CLIENT", "PAUSE", &long.to_string(), "WRITE"]),
        "+OK"
    );
    // Several held writers, so no worker thread is tied up by them.
    let mut writers: Vec<Raw> = (0..8).map(|_| Raw::open(&server)).collect();
    for (i, w) in writers.iter_mut().enumerate() {
        w.send_str(&["SET", &format!("k{i}"), "v"]);
    }
    let mut publisher = Raw::open(&server);
    publisher.send_str(&["PUBLISH", "ch", "m"]);
    let mut reader = Raw::open(&server);
    assert_eq!(reader.round(&["GET", "k0"]), "$-1");
    assert_eq!(reader.round(&["PING"]), "+PONG");
    assert_eq!(
        reader.round(&["SET"]),
        "-ERR wrong number of arguments for 'set' command"
    );
    sleep(Duration::from_millis(200));
    assert!(writers[0].silent_for(Duration::from_millis(100)));
    assert!(publisher.silent_for(Duration::from_millis(1)));
    // A held client shows as blocked, running its command (polled: a
    // loaded machine may not have read every writer's command yet).
    let wanted = format!("addr={} ", writers[0].addr());
    let polling = Instant::now();
    loop {
        reader.send_str(&["CLIENT", "LIST"]);
        let list = reader.value();
        let held = list
            .lines()
            .find(|l| l.contains(&wanted))
            .unwrap()
            .to_string();
        if held.contains(" flags=b ") && held.contains(" cmd=set ") {
            break;
        }
        assert!(polling.elapsed() < Duration::from_secs(10), "{held}");
        sleep(Duration::from_millis(50));
    }
    // Another connection's UNPAUSE runs at once and releases them.
    assert_eq!(reader.round(&["CLIENT", "UNPAUSE"]), "+OK");
    for w in &mut writers {
        assert_eq!(w.line(), "+OK");
    }
    assert_eq!(publisher.line(), ":0");
    let waited = ms(started.elapsed());
    assert!(waited < long / 2, "released after {waited} ms");
    assert_eq!(reader.round(&["GET", "k7"]), "$1");
}

#[test]
fn a_later_pause_keeps_the_stricter_mode_and_the_later_end() {
    let server = TestServer::start(&[]);
    let mut pauser = Raw::open(&server);
    let mut reader = Raw::open(&server);
    let started = Instant::now();
    // WRITE for the pause length, then ALL with an end already passed: ALL
    // until the WRITE pause's end.
    assert_eq!(
        pauser.round(&["CLIENT", "PAUSE", &PAUSE_MS.to_string(), "WRITE"]),
        "+OK"
    );
    assert_eq!(pauser.round(&["CLIENT", "PAUSE", "0", "ALL"]), "+OK");
    assert_eq!(reader.round(&["GET", "k"]), "$-1");
    let waited = ms(started.elapsed());
    assert!(
        waited >= PAUSE_MS * 9 / 10,
        "GET answered after {waited} ms"
    );
    assert!(waited < PAUSE_MS + 10_000, "GET answered after {waited} ms");
    // The pause is over: nothing is held any more.
    let started = Instant::now();
    assert_eq!(reader.round(&["SET", "k", "v"]), "+OK");
    assert!(ms(started.elapsed()) < PAUSE_MS / 2);
}

#[test]
fn pause_write_holds_a_queued_write_and_its_exec() {
    let server = TestServer::start(&[]);
    let mut pauser = Raw::open(&server);
    let mut client = Raw::open(&server);
    assert_eq!(client.round(&["MULTI"]), "+OK");
    assert_eq!(client.round(&["GET", "k"]), "+QUEUED");
    let started = Instant::now();
    assert_eq!(
        pauser.round(&["CLIENT", "PAUSE", &PAUSE_MS.to_string(), "WRITE"]),
        "+OK"
    );
    // Queueing a write is held, as in Redis.
    assert_eq!(client.round(&["SET", "k", "v"]), "+QUEUED");
    let waited = ms(started.elapsed());
    assert!(waited >= PAUSE_MS * 9 / 10, "queued after {waited} ms");
    client.send_str(&["EXEC"]);
    assert_eq!(client.line(), "*2");
    assert_eq!(client.line(), "$-1");
    assert_eq!(client.line(), "+OK");
}

#[test]
fn monitor_shows_a_script_then_the_commands_it_ran_as_lua() {
    let server = TestServer::start(&[]);
    let mut monitor = start_monitor(&server);
    let mut client = Raw::open(&server);
    let at = client.addr();
    let script = "redis.call('set',KEYS[1],ARGV[1]) return redis.call('get',KEYS[1])";
    client.send_str(&["EVAL", script, "1", "mk", "mv"]);
    assert_eq!(client.value(), "mv");
    assert_eq!(
        monitor_line(&mut monitor),
        format!(r#"[0 {at}] "EVAL" "{script}" "1" "mk" "mv""#)
    );
    assert_eq!(monitor_line(&mut monitor), r#"[0 lua] "set" "mk" "mv""#);
    assert_eq!(monitor_line(&mut monitor), r#"[0 lua] "get" "mk""#);
}
