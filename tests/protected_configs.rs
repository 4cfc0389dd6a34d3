//! Redis 7.0's protected configs and DEBUG gating against the real binary:
//! `enable-protected-configs`, `enable-debug-command` and
//! `enable-module-command` (no | yes | local, immutable at run time).
//! Expected texts are Redis 7.0.15's replies, checked by hand.
//!
//! `TestServer` passes `--enable-debug-command yes` (other tests use DEBUG),
//! so the DEBUG tests name the setting; its default (`no`) is checked with
//! `CONFIG GET` on a server started from a config file that sets nothing.

mod common;
mod support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use common::{TestServer, temp_dir};
use redis::Value;
use support::{bulk, err, ok};

const PROTECTED: &str = "can't set protected config";
const IMMUTABLE: &str = "can't set immutable config";
const DEBUG_REFUSED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is \
set to \"local\", you can run it from a local connection, otherwise you need to set this option in \
the configuration file, and then restart the server.";

/// Redis's `CONFIG SET` failure line for `argument` (as typed).
fn set_failed(argument: &str, why: &str) -> String {
    format!("ERR CONFIG SET failed (possibly related to argument '{argument}') - {why}")
}

/// A raw connection to `server` from the source address `from` (any
/// 127.0.0.0/8 address: only 127.0.0.1 is local, as in Redis).
fn connect_from(server: &TestServer, from: Ipv4Addr) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.bind(&SocketAddr::from((from, 0)).into()).unwrap();
    socket
        .connect(&SocketAddr::from((Ipv4Addr::LOCALHOST, server.port)).into())
        .unwrap();
    let stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Sends `args` as a RESP multibulk and returns the one-line reply
/// (`+OK`, `-ERR ...`) without its CRLF.
fn line(stream: &mut TcpStream, args: &[&str]) -> String {
    let mut request = format!("*{}\r\n", args.len());
    for a in args {
        request.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = Vec::new();
    let mut byte = [0u8; 1];
    while !reply.ends_with(b"\r\n") {
        stream.read_exact(&mut byte).expect("a reply line");
        reply.push(byte[0]);
    }
    reply.truncate(reply.len() - 2);
    String::from_utf8(reply).unwrap()
}

#[test]
fn path_configs_are_protected_by_default() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let allowed = temp_dir();
    let allowed = allowed.to_str().unwrap();
    for name in ["import-dir", "export-dir", "IMPORT-DIR"] {
        assert_eq!(
            err(&mut con, &["CONFIG", "SET", name, allowed]),
            set_failed(name, PROTECTED)
        );
    }
    assert_eq!(
        err(&mut con, &["CONFIG", "SET", "dir", "/tmp"]),
        set_failed("dir", PROTECTED)
    );
    // Immutability is reported before protection, as Redis checks it first.
    assert_eq!(
        err(&mut con, &["CONFIG", "SET", "appenddirname", "x"]),
        set_failed("appenddirname", IMMUTABLE)
    );
    // All or nothing: a protected name anywhere fails the whole command.
    assert_eq!(
        err(&mut con, &["CONFIG", "SET", "hz", "20", "export-dir", "/x"]),
        set_failed("export-dir", PROTECTED)
    );
    assert_eq!(
        ok(&mut con, &["CONFIG", "GET", "hz"]),
        Value::Array(vec![bulk("hz"), bulk("10")])
    );
    assert_eq!(
        ok(&mut con, &["CONFIG", "GET", "import-dir"]),
        Value::Array(vec![bulk("import-dir"), bulk("")])
    );
}

#[test]
fn enable_protected_configs_yes_allows_them() {
    let server = TestServer::start(&[
        "--protected-mode",
        "no",
        "--enable-protected-configs",
        "yes",
    ]);
    let mut con = server.conn();
    let dir = temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.to_str().unwrap();
    for name in ["import-dir", "export-dir"] {
        assert_eq!(ok(&mut con, &["CONFIG", "SET", name, dir]), Value::Okay);
        assert_eq!(
            ok(&mut con, &["CONFIG", "GET", name]),
            Value::Array(vec![bulk(name), bulk(dir)])
        );
    }
    // Immutable stays immutable.
    assert_eq!(
        err(&mut con, &["CONFIG", "SET", "appendfilename", "x.aof"]),
        set_failed("appendfilename", IMMUTABLE)
    );
    // A non-local client too.
    let mut remote = connect_from(&server, Ipv4Addr::new(127, 0, 0, 2));
    assert_eq!(
        line(&mut remote, &["CONFIG", "SET", "export-dir", ""]),
        "+OK"
    );
}

/// `CONFIG SET dir` changes the working directory, as Redis 7's
/// `updateDir` (`chdir`), with `strerror`'s words when it cannot; the AOF
/// already open stays where it is.
#[test]
fn config_set_dir_changes_the_working_directory() {
    let first = temp_dir();
    let mut server = TestServer::start_in(
        first.clone(),
        &[
            "--enable-protected-configs",
            "yes",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
        ],
    );
    let mut con = server.conn();
    let get_dir = |con: &mut redis::Connection| ok(con, &["CONFIG", "GET", "dir"]);
    assert_eq!(
        get_dir(&mut con),
        Value::Array(vec![
            bulk("dir"),
            bulk(first.canonicalize().unwrap().to_str().unwrap())
        ])
    );
    assert_eq!(ok(&mut con, &["SET", "before", "1"]), Value::Okay);
    let second = temp_dir().canonicalize().unwrap();
    let second_text = second.to_str().unwrap();
    assert_eq!(
        ok(&mut con, &["CONFIG", "SET", "dir", second_text]),
        Value::Okay
    );
    assert_eq!(
        get_dir(&mut con),
        Value::Array(vec![bulk("dir"), bulk(second_text)])
    );
    // Failures change nothing, the other parameters of the command included.
    let file = second.join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    for (path, why) in [
        ("/no/such/dir/anywhere", "No such file or directory"),
        ("", "No such file or directory"),
        (file.to_str().unwrap(), "Not a directory"),
    ] {
        assert_eq!(
            err(&mut con, &["CONFIG", "SET", "hz", "20", "dir", path]),
            set_failed("dir", why)
        );
    }
    assert_eq!(
        ok(&mut con, &["CONFIG", "GET", "hz"]),
        Value::Array(vec![bulk("hz"), bulk("10")])
    );
    assert_eq!(
        get_dir(&mut con),
        Value::Array(vec![bulk("dir"), bulk(second_text)])
    );
    // The AOF opened in the first directory keeps receiving the writes.
    assert_eq!(ok(&mut con, &["SET", "after", "2"]), Value::Okay);
    assert!(!second.join("appendonlydir").exists());
    drop(con);
    server.restart();
    let mut con = server.conn();
    assert_eq!(
        ok(&mut con, &["MGET", "before", "after"]),
        Value::Array(vec![bulk("1"), bulk("2")])
    );
}

#[test]
fn enable_protected_configs_local_allows_loopback_clients_only() {
    let server = TestServer::start(&[
        "--protected-mode",
        "no",
        "--enable-protected-configs",
        "local",
    ]);
    let mut local = connect_from(&server, Ipv4Addr::LOCALHOST);
    assert_eq!(
        line(&mut local, &["CONFIG", "SET", "import-dir", "/tmp"]),
        "+OK"
    );
    // Redis's islocalClient: exactly 127.0.0.1 or ::1.
    let mut other = connect_from(&server, Ipv4Addr::new(127, 0, 0, 2));
    assert_eq!(
        line(&mut other, &["CONFIG", "SET", "import-dir", "/"]),
        format!("-{}", set_failed("import-dir", PROTECTED))
    );
    let mut con = server.conn();
    assert_eq!(
        ok(&mut con, &["CONFIG", "GET", "import-dir"]),
        Value::Array(vec![bulk("import-dir"), bulk("/tmp")])
    );
}

#[test]
fn debug_is_refused_unless_enabled() {
    let server = TestServer::start(&["--protected-mode", "no", "--enable-debug-command", "no"]);
    let mut con = server.conn();
    for args in [
        &["DEBUG", "SLEEP", "0"][..],
        &["DEBUG", "OBJECT", "k"],
        &["DEBUG", "HELP"],
        &["debug", "no-such-subcommand"],
    ] {
        assert_eq!(err(&mut con, args), DEBUG_REFUSED);
    }
    // Arity is checked first, as Redis.
    assert_eq!(
        err(&mut con, &["DEBUG"]),
        "ERR wrong number of arguments for 'debug' command"
    );
    // Refused while queueing: the transaction is aborted.
    assert_eq!(ok(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(err(&mut con, &["DEBUG", "SLEEP", "0"]), DEBUG_REFUSED);
    assert_eq!(
        err(&mut con, &["EXEC"]),
        "EXECABORT Transaction discarded because of previous errors."
    );
    let stats = support::text(&ok(&mut con, &["INFO", "commandstats"]));
    assert!(
        stats.contains("cmdstat_debug:calls=0,usec=0,usec_per_call=0.00,rejected_calls=6,"),
        "{stats}"
    );
}

#[test]
fn debug_refusal_comes_before_authentication() {
    let server = TestServer::start(&["--enable-debug-command", "no", "--requirepass", "pw"]);
    let mut raw = server.raw();
    assert_eq!(
        line(&mut raw, &["DEBUG", "SLEEP", "0"]),
        format!("-{DEBUG_REFUSED}")
    );
    assert_eq!(
        line(&mut raw, &["GET", "k"]),
        "-NOAUTH Authentication required."
    );
}

#[test]
fn debug_yes_and_local() {
    let server = TestServer::start(&["--protected-mode", "no", "--enable-debug-command", "yes"]);
    let mut remote = connect_from(&server, Ipv4Addr::new(127, 0, 0, 2));
    assert_eq!(line(&mut remote, &["DEBUG", "SLEEP", "0"]), "+OK");

    let server = TestServer::start(&["--protected-mode", "no", "--enable-debug-command", "local"]);
    let mut local = connect_from(&server, Ipv4Addr::LOCALHOST);
    assert_eq!(line(&mut local, &["DEBUG", "SLEEP", "0"]), "+OK");
    let mut remote = connect_from(&server, Ipv4Addr::new(127, 0, 0, 2));
    assert_eq!(
        line(&mut remote, &["DEBUG", "SLEEP", "0"]),
        format!("-{DEBUG_REFUSED}")
    );
}

#[test]
fn settings_are_immutable_enums_defaulting_to_no() {
    // A config file that sets none of them: only TestServer's
    // `--enable-debug-command yes` differs from the defaults.
    let conf = temp_dir().with_extension("conf");
    std::fs::write(&conf, "enable-module-command LOCAL\n").unwrap();
    let server = TestServer::start_with_config(&conf, &[]);
    let mut con = server.conn();
    assert_eq!(
        ok(&mut con, &["CONFIG", "GET", "enable-*"]),
        Value::Array(vec![
            bulk("enable-debug-command"),
            bulk("yes"),
            bulk("enable-module-command"),
            bulk("local"),
            bulk("enable-protected-configs"),
            bulk("no"),
        ])
    );
    for (name, typed) in [
        ("enable-protected-configs", "enable-protected-configs"),
        ("enable-debug-command", "Enable-Debug-Command"),
        ("enable-module-command", "enable-module-command"),
    ] {
        assert_eq!(
            err(&mut con, &["CONFIG", "SET", typed, "yes"]),
            set_failed(typed, IMMUTABLE),
            "{name}"
        );
    }
    let _ = std::fs::remove_file(&conf);
}

#[test]
fn bad_setting_stops_the_start() {
    let Err(failure) = TestServer::launch(temp_dir(), &["--enable-protected-configs", "maybe"])
    else {
        panic!("a bad value must refuse to start");
    };
    assert_eq!(failure.code, Some(1));
    assert!(
        failure
            .output
            .contains("argument(s) must be one of the following: no, yes, local"),
        "{}",
        failure.output
    );
}

// The tests above connect from 127.0.0.2 as a non-local client, which
// protected mode (on by default) would refuse: they turn it off.

/// Protected mode (Redis 7.0): with no password for the default user, a
/// client from anywhere but 127.0.0.1 / ::1 gets DENIED and is closed.
#[test]
fn protected_mode_denies_non_local_clients_without_a_password() {
    let read_all = |mut stream: TcpStream| {
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut stream, &mut out);
        out
    };
    let server = TestServer::start(&["--protected-mode", "yes"]);
    let denied = read_all(connect_from(&server, Ipv4Addr::new(127, 0, 0, 2)));
    assert!(
        denied.starts_with("-DENIED Redis is running in protected mode"),
        "{denied}"
    );
    // A loopback client is served meanwhile.
    assert_eq!(
        line(&mut connect_from(&server, Ipv4Addr::LOCALHOST), &["PING"]),
        "+PONG"
    );
    // With a password, or with protected mode off, remote clients connect.
    let server = TestServer::start(&["--protected-mode", "yes", "--requirepass", "pw"]);
    let mut remote = connect_from(&server, Ipv4Addr::new(127, 0, 0, 2));
    assert!(line(&mut remote, &["GET", "x"]).starts_with("-NOAUTH"));
    let server = TestServer::start(&["--protected-mode", "no"]);
    assert_eq!(
        line(
            &mut connect_from(&server, Ipv4Addr::new(127, 0, 0, 2)),
            &["PING"]
        ),
        "+PONG"
    );
}
