//! Connection commands (HELLO, SELECT, CLIENT, AUTH, QUIT, RESET), client
//! limits, shutdown paths and start-up configuration, against the real binary.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{TestServer, read_exact_reply, temp_dir};

fn query<T: redis::FromRedisValue>(
    con: &mut redis::Connection,
    args: &[&str],
) -> redis::RedisResult<T> {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(con)
}

/// The full error line of a command that must fail (`"ERR ..."`).
fn error_of(con: &mut redis::Connection, args: &[&str]) -> String {
    let err = query::<redis::Value>(con, args).expect_err("command must fail");
    match (err.code(), err.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        (Some(code), None) => code.to_string(),
        _ => err.to_string(),
    }
}

/// `field=value` pairs of a `CLIENT LIST` / `CLIENT INFO` line.
fn fields(line: &str) -> HashMap<String, String> {
    line.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn client_info(con: &mut redis::Connection) -> HashMap<String, String> {
    let line: String = query(con, &["CLIENT", "INFO"]).unwrap();
    assert!(
        line.ends_with('\n'),
        "CLIENT INFO ends with a newline: {line:?}"
    );
    fields(&line)
}

/// Reads exactly `expected.len()` bytes and compares them with `expected`.
fn expect_bytes(stream: &mut TcpStream, expected: &[u8]) {
    let got = read_exact_reply(stream, expected.len());
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected)
    );
}

/// Reads until what was read ends with `suffix`.
fn read_until(stream: &mut TcpStream, suffix: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    while !got.ends_with(suffix) {
        let mut b = [0u8; 1];
        stream.read_exact(&mut b).expect("more reply bytes");
        got.push(b[0]);
    }
    got
}

/// Whether the server closed `stream` (EOF within the timeout).
fn closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 64];
    matches!(stream.read(&mut buf), Ok(0))
}

#[test]
fn hello_reports_server_identity_and_protocol() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let id: i64 = query(&mut con, &["CLIENT", "ID"]).unwrap();
    let hello: HashMap<String, redis::Value> = query(&mut con, &["HELLO", "2"]).unwrap();
    assert_eq!(hello["server"], redis::Value::BulkString(b"redis".to_vec()));
    assert_eq!(
        hello["version"],
        redis::Value::BulkString(b"7.0.15".to_vec())
    );
    assert_eq!(hello["proto"], redis::Value::Int(2));
    assert_eq!(hello["id"], redis::Value::Int(id));
    assert_eq!(
        hello["mode"],
        redis::Value::BulkString(b"standalone".to_vec())
    );
    assert_eq!(hello["role"], redis::Value::BulkString(b"master".to_vec()));
    assert_eq!(hello["modules"], redis::Value::Array(vec![]));
    assert_eq!(
        error_of(&mut con, &["HELLO", "3", "FOO"]),
        "ERR Syntax error in HELLO option 'FOO'"
    );
    assert_eq!(
        error_of(&mut con, &["HELLO", "3", "SETNAME", "a b"]),
        "ERR Client names cannot contain spaces, newlines or special characters."
    );
    let _: redis::Value = query(&mut con, &["HELLO", "2", "SETNAME", "greeter"]).unwrap();
    assert_eq!(client_info(&mut con)["name"], "greeter");

    let mut con3 = server.conn_resp3();
    assert_eq!(client_info(&mut con3)["resp"], "3");
}

#[test]
fn select_switches_database_within_range() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let ok: String = query(&mut con, &["SELECT", "15"]).unwrap();
    assert_eq!(ok, "OK");
    assert_eq!(client_info(&mut con)["db"], "15");
    assert_eq!(
        error_of(&mut con, &["SELECT", "16"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        error_of(&mut con, &["SELECT", "-1"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        error_of(&mut con, &["SELECT", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        client_info(&mut con)["db"],
        "15",
        "a failed SELECT changes nothing"
    );
    let server4 = TestServer::start(&["--databases", "4"]);
    let mut con4 = server4.conn();
    assert_eq!(
        error_of(&mut con4, &["SELECT", "4"]),
        "ERR DB index is out of range"
    );
}

#[test]
fn client_names_ids_and_list() {
    let server = TestServer::start(&[]);
    let mut a = server.conn();
    let mut b = server.conn();
    let id_a: i64 = query(&mut a, &["CLIENT", "ID"]).unwrap();
    let id_b: i64 = query(&mut b, &["CLIENT", "ID"]).unwrap();
    assert!(id_b > id_a, "ids increase: {id_a} then {id_b}");

    let name: Option<String> = query(&mut a, &["CLIENT", "GETNAME"]).unwrap();
    assert_eq!(name, None);
    let _: () = query(&mut a, &["CLIENT", "SETNAME", "alpha"]).unwrap();
    assert_eq!(
        error_of(&mut a, &["CLIENT", "SETNAME", "has space"]),
        "ERR Client names cannot contain spaces, newlines or special characters."
    );
    assert_eq!(
        error_of(&mut a, &["CLIENT", "GETNAME", "extra"]),
        "ERR wrong number of arguments for 'client|getname' command"
    );
    let name: Option<String> = query(&mut a, &["CLIENT", "GETNAME"]).unwrap();
    assert_eq!(name.as_deref(), Some("alpha"));

    let list: String = query(&mut b, &["CLIENT", "LIST"]).unwrap();
    let lines: Vec<&str> = list.lines().collect();
    assert!(list.ends_with('\n'));
    let by_id: HashMap<String, HashMap<String, String>> = lines
        .iter()
        .map(|l| fields(l))
        .map(|f| (f["id"].clone(), f))
        .collect();
    let a_line = &by_id[&id_a.to_string()];
    assert_eq!(a_line["name"], "alpha");
    assert_eq!(a_line["db"], "0");
    assert_eq!(a_line["cmd"], "client|getname");
    assert_eq!(a_line["user"], "default");
    assert_eq!(
        a_line["lib-name"], "redis-rs",
        "the redis crate sends CLIENT SETINFO"
    );
    assert_eq!(by_id[&id_b.to_string()]["cmd"], "client|list");
    for key in [
        "addr", "laddr", "fd", "age", "idle", "flags", "qbuf", "resp", "tot-mem", "events",
    ] {
        assert!(
            a_line.contains_key(key),
            "CLIENT LIST line lacks {key}: {a_line:?}"
        );
    }
    let only_a: String = query(&mut b, &["CLIENT", "LIST", "ID", &id_a.to_string()]).unwrap();
    assert_eq!(only_a.lines().count(), 1);
    assert_eq!(fields(&only_a)["id"], id_a.to_string());
    let normal: String = query(&mut b, &["CLIENT", "LIST", "TYPE", "normal"]).unwrap();
    assert!(normal.lines().count() >= 2);
    assert_eq!(
        error_of(&mut b, &["CLIENT", "LIST", "TYPE", "bogus"]),
        "ERR Unknown client type 'bogus'"
    );
    assert_eq!(
        error_of(&mut b, &["CLIENT", "LIST", "ID", "x"]),
        "ERR Invalid client ID"
    );
    assert_eq!(
        error_of(&mut b, &["CLIENT", "NOPE"]),
        "ERR unknown subcommand 'NOPE'. Try CLIENT HELP."
    );
}

#[test]
fn client_kill_by_id_address_and_self() {
    let server = TestServer::start(&[]);
    let mut killer = server.conn();
    let mut victim = server.raw();
    victim.write_all(b"CLIENT ID\r\n").unwrap();
    let mut reply = [0u8; 32];
    let n = victim.read(&mut reply).unwrap();
    let victim_id = String::from_utf8_lossy(&reply[1..n - 2]).to_string();

    let killed: i64 = query(&mut killer, &["CLIENT", "KILL", "ID", &victim_id]).unwrap();
    assert_eq!(killed, 1);
    assert!(closed(&mut victim), "killed client is disconnected");
    let again: i64 = query(&mut killer, &["CLIENT", "KILL", "ID", &victim_id]).unwrap();
    assert_eq!(again, 0);

    // Old form by address.
    let mut second = server.conn();
    let addr = client_info(&mut second)["addr"].clone();
    let ok: String = query(&mut killer, &["CLIENT", "KILL", &addr]).unwrap();
    assert_eq!(ok, "OK");
    assert_eq!(
        error_of(&mut killer, &["CLIENT", "KILL", &addr]),
        "ERR No such client"
    );
    assert_eq!(
        error_of(&mut killer, &["CLIENT", "KILL", "ID", "0"]),
        "ERR client-id should be greater than 0"
    );
    assert_eq!(
        error_of(&mut killer, &["CLIENT", "KILL", "USER", "nobody"]),
        "ERR No such user 'nobody'"
    );
    assert_eq!(
        error_of(&mut killer, &["CLIENT", "KILL", "SKIPME", "maybe"]),
        "ERR syntax error"
    );

    // The caller is skipped by default and closed after the reply with SKIPME no.
    let mut me = server.raw();
    me.write_all(b"CLIENT KILL LADDR nowhere:1\r\n").unwrap();
    expect_bytes(&mut me, b":0\r\n");
    let mut s = server.raw();
    let mut own = [0u8; 32];
    s.write_all(b"CLIENT ID\r\n").unwrap();
    let n = s.read(&mut own).unwrap();
    let own_id = String::from_utf8_lossy(&own[1..n - 2]).to_string();
    s.write_all(format!("CLIENT KILL ID {own_id}\r\n").as_bytes())
        .unwrap();
    expect_bytes(&mut s, b":0\r\n");
    s.write_all(format!("CLIENT KILL ID {own_id} SKIPME no\r\n").as_bytes())
        .unwrap();
    expect_bytes(&mut s, b":1\r\n");
    assert!(closed(&mut s));
}

#[test]
fn auth_with_requirepass() {
    let server = TestServer::start(&["--requirepass", "s3cret"]);
    let mut con = server.conn();
    assert_eq!(
        error_of(&mut con, &["PING"]),
        "NOAUTH Authentication required."
    );
    assert_eq!(
        error_of(&mut con, &["AUTH", "wrong"]),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    assert_eq!(
        error_of(&mut con, &["AUTH", "bob", "s3cret"]),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    assert!(
        error_of(&mut con, &["HELLO", "3"])
            .starts_with("NOAUTH HELLO must be called with the client already authenticated")
    );
    let ok: String = query(&mut con, &["AUTH", "s3cret"]).unwrap();
    assert_eq!(ok, "OK");
    let pong: String = query(&mut con, &["PING"]).unwrap();
    assert_eq!(pong, "PONG");

    let mut two_arg = server.conn();
    let ok: String = query(&mut two_arg, &["AUTH", "default", "s3cret"]).unwrap();
    assert_eq!(ok, "OK");

    let mut hello = server.raw();
    hello.write_all(b"HELLO 2 AUTH default s3cret\r\n").unwrap();
    assert_eq!(read_exact_reply(&mut hello, 5), b"*14\r\n");

    let with_url =
        redis::Client::open(format!("redis://:s3cret@127.0.0.1:{}/", server.port)).unwrap();
    let mut con = with_url.get_connection().unwrap();
    let pong: String = query(&mut con, &["PING"]).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn auth_without_a_configured_password() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(
        error_of(&mut con, &["AUTH", "x"]),
        "ERR AUTH <password> called without any password configured for the default user. \
         Are you sure your configuration is correct?"
    );
    // The default user without a password accepts any password in the two-argument form.
    let ok: String = query(&mut con, &["AUTH", "default", "anything"]).unwrap();
    assert_eq!(ok, "OK");
    assert_eq!(
        error_of(&mut con, &["AUTH", "a", "b", "c"]),
        "ERR syntax error"
    );
}

#[test]
fn quit_replies_ok_then_closes() {
    let server = TestServer::start(&[]);
    let mut s = server.raw();
    s.write_all(b"QUIT\r\nPING\r\n").unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    assert_eq!(all, b"+OK\r\n", "nothing after QUIT is executed");
}

#[test]
fn reset_restores_connection_defaults() {
    let server = TestServer::start(&["--requirepass", "pw"]);
    let mut s = server.raw();
    s.write_all(b"AUTH pw\r\nSELECT 3\r\nCLIENT SETNAME named\r\nHELLO 3\r\n")
        .unwrap();
    expect_bytes(&mut s, b"+OK\r\n+OK\r\n+OK\r\n%7\r\n");
    read_until(&mut s, b"$7\r\nmodules\r\n*0\r\n");
    s.write_all(b"RESET\r\nPING\r\nAUTH pw\r\nCLIENT GETNAME\r\n")
        .unwrap();
    expect_bytes(
        &mut s,
        b"+RESET\r\n-NOAUTH Authentication required.\r\n+OK\r\n$-1\r\n",
    );
    let mut con = redis::Client::open(format!("redis://:pw@127.0.0.1:{}/", server.port))
        .unwrap()
        .get_connection()
        .unwrap();
    let list: String = query(&mut con, &["CLIENT", "LIST"]).unwrap();
    let reset_line = list
        .lines()
        .map(fields)
        .find(|f| f["cmd"] == "client|getname")
        .expect("reset client listed");
    assert_eq!(
        (reset_line["db"].as_str(), reset_line["resp"].as_str()),
        ("0", "2")
    );
}

#[test]
fn maxclients_refuses_extra_connections() {
    let server = TestServer::start(&["--maxclients", "2"]);
    // Let the harness's readiness probe connection go away first.
    std::thread::sleep(Duration::from_millis(300));
    let mut a = server.raw();
    let mut b = server.raw();
    a.write_all(b"PING\r\n").unwrap();
    b.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_exact_reply(&mut a, 7), b"+PONG\r\n");
    assert_eq!(read_exact_reply(&mut b, 7), b"+PONG\r\n");
    let mut c = server.raw();
    let mut all = Vec::new();
    c.read_to_end(&mut all).unwrap();
    assert_eq!(all, b"-ERR max number of clients reached\r\n");
    drop(a);
    std::thread::sleep(Duration::from_millis(300));
    let mut d = server.raw();
    d.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_exact_reply(&mut d, 7), b"+PONG\r\n");
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let server = TestServer::start(&["--timeout", "1"]);
    let mut s = server.raw();
    s.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_exact_reply(&mut s, 7), b"+PONG\r\n");
    let started = Instant::now();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest)
        .expect("closed before the 10 s read timeout");
    assert!(rest.is_empty());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900),
        "closed too early: {waited:?}"
    );
}

#[test]
fn shutdown_command_exits_zero() {
    let mut server = TestServer::start(&[]);
    let mut s = server.raw();
    s.write_all(b"SHUTDOWN\r\n").unwrap();
    assert_eq!(server.wait_exit(Duration::from_secs(15)), Some(0));
}

#[test]
fn sigterm_and_sigint_exit_zero() {
    for signal in ["-TERM", "-INT"] {
        let mut server = TestServer::start(&[]);
        let mut s = server.raw();
        s.write_all(b"PING\r\n").unwrap();
        assert_eq!(read_exact_reply(&mut s, 7), b"+PONG\r\n");
        let status = Command::new("kill")
            .arg(signal)
            .arg(server.pid().to_string())
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(
            server.wait_exit(Duration::from_secs(15)),
            Some(0),
            "{signal}"
        );
        assert!(closed(&mut s), "open clients are disconnected on {signal}");
    }
}

/// Runs the binary with `args` and returns (exit code, stderr).
fn run_binary(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_framekv-server"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn config_file_errors_name_file_line_and_directive() {
    let dir = temp_dir();
    let conf = dir.join("redis.conf");
    std::fs::write(
        &conf,
        "# a comment\nport 0\nappendonly no\nno-such-directive 42\n",
    )
    .unwrap();
    let (code, stderr) = run_binary(&[conf.as_os_str()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("FATAL CONFIG FILE ERROR"), "{stderr}");
    assert!(
        stderr.contains(&conf.display().to_string()),
        "names the file: {stderr}"
    );
    assert!(stderr.contains("line 4"), "names the line: {stderr}");
    assert!(
        stderr.contains(">>> 'no-such-directive 42'"),
        "names the directive: {stderr}"
    );

    std::fs::write(&conf, "port 0\nmaxclients lots\n").unwrap();
    let (code, stderr) = run_binary(&[conf.as_os_str()]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("line 2") && stderr.contains(">>> 'maxclients lots'"),
        "{stderr}"
    );

    let (code, stderr) = run_binary(&["--port".as_ref(), "http".as_ref()]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains(">>> 'port http'"), "{stderr}");

    let missing = dir.join("missing.conf");
    let (code, stderr) = run_binary(&[missing.as_os_str()]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("missing.conf"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn config_file_values_apply_and_command_line_overrides_them() {
    let dir = temp_dir();
    let conf = dir.join("framekv.conf");
    std::fs::write(
        &conf,
        "requirepass \"from file\"\ndatabases 2\nmaxclients 50\n",
    )
    .unwrap();
    let server = TestServer::start_with_config(&conf, &["--maxclients", "60"]);
    let mut s = server.raw();
    s.write_all(b"PING\r\nAUTH \"from file\"\r\nSELECT 2\r\n")
        .unwrap();
    expect_bytes(
        &mut s,
        b"-NOAUTH Authentication required.\r\n+OK\r\n-ERR DB index is out of range\r\n",
    );
    let _ = std::fs::remove_dir_all(dir);
}
