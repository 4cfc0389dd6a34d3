//! Lua scripting against the real binary: EVAL / EVALSHA / EVAL_RO /
//! EVALSHA_RO, the script cache (SCRIPT LOAD / EXISTS / FLUSH), Redis
//! 7.0's Lua-to-RESP conversions and error texts (each expected reply was
//! checked side by side with redis-server 7.0.15), the sandbox, atomicity,
//! BUSY and SCRIPT KILL, and the AOF.

mod aof_support;
mod common;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use common::{TestServer, temp_dir};
use redis::Value;
use support::*;

/// One raw connection that sends commands (arguments may hold spaces) and
/// reads back exactly one reply each, as the bytes that came over the wire.
struct Wire {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Wire {
    fn new(server: &TestServer) -> Wire {
        let stream = server.raw();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Wire {
            writer: stream.try_clone().unwrap(),
            reader: BufReader::new(stream),
        }
    }

    fn send(&mut self, args: &[&str]) {
        let mut frame = format!("*{}\r\n", args.len());
        for a in args {
            frame.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        self.writer.write_all(frame.as_bytes()).unwrap();
    }

    /// Sends `args` and returns the reply's wire bytes as text.
    fn call(&mut self, args: &[&str]) -> String {
        self.send(args);
        self.reply()
    }

    /// Reads one whole reply (RESP2 or RESP3).
    fn reply(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let kind = line.as_bytes()[0];
        let count: i64 = line[1..].trim_end().parse().unwrap_or(0);
        match kind {
            b'$' | b'=' if count >= 0 => {
                let mut body = vec![0u8; count as usize + 2];
                self.reader.read_exact(&mut body).unwrap();
                line + &String::from_utf8_lossy(&body)
            }
            b'*' | b'~' | b'>' => {
                let mut out = line;
                for _ in 0..count.max(0) {
                    out += &self.reply();
                }
                out
            }
            b'%' => {
                let mut out = line;
                for _ in 0..2 * count {
                    out += &self.reply();
                }
                out
            }
            _ => line,
        }
    }
}

fn eval(wire: &mut Wire, script: &str) -> String {
    wire.call(&["EVAL", script, "0"])
}

/// Redis 7.0's error suffix for script `body` failing at `line`.
fn suffix(body: &str, line: u32) -> String {
    format!(" script: {}, on @user_script:{line}.", sha1(body))
}

fn sha1(body: &str) -> String {
    let mut wire_server_free = sha1_smol::Sha1::new();
    wire_server_free.update(body.as_bytes());
    wire_server_free.digest().to_string()
}

#[test]
fn return_values_convert_as_redis_7_does() {
    let server = TestServer::start(&[]);
    let mut wire = Wire::new(&server);
    let cases: &[(&str, &str)] = &[
        ("return 1", ":1\r\n"),
        ("return 3.99", ":3\r\n"),
        ("return -3.99", ":-3\r\n"),
        ("return 1/0", ":-9223372036854775808\r\n"),
        ("return 'x'", "$1\r\nx\r\n"),
        ("return true", ":1\r\n"),
        ("return false", "$-1\r\n"),
        ("return nil", "$-1\r\n"),
        (
            "return {1,2,{3,'x'},nil,5}",
            "*3\r\n:1\r\n:2\r\n*2\r\n:3\r\n$1\r\nx\r\n",
        ),
        ("return {1,false,3}", "*3\r\n:1\r\n$-1\r\n:3\r\n"),
        ("return {err='boom'}", "-boom\r\n"),
        ("return {err=5}", "*0\r\n"),
        ("return {ok='fine'}", "+fine\r\n"),
        ("return redis.error_reply('boom')", "-ERR boom\r\n"),
        ("return redis.error_reply('MY boom')", "-MY boom\r\n"),
        ("return redis.error_reply('-MY boom')", "-MY boom\r\n"),
        (
            "return redis.error_reply()",
            "-ERR wrong number or type of arguments\r\n",
        ),
        ("return redis.status_reply('fine')", "+fine\r\n"),
        ("return {double=3.5}", "$3\r\n3.5\r\n"),
        ("return {map={a=1}}", "*2\r\n$1\r\na\r\n:1\r\n"),
        ("return redis.call('ping')", "+PONG\r\n"),
        ("return type(redis.call('ping'))", "$5\r\ntable\r\n"),
        ("return redis.call('get','nokey')", "$-1\r\n"),
        (
            "return type(redis.call('get','nokey'))",
            "$7\r\nboolean\r\n",
        ),
        (
            "redis.setresp(3) return type(redis.call('get','nokey'))",
            "$3\r\nnil\r\n",
        ),
        (
            "return redis.sha1hex('')",
            "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n",
        ),
        ("return redis.REDIS_VERSION_NUM", ":458767\r\n"),
        (
            "return redis.call('set','k1',3.7) and redis.call('get','k1')",
            "$18\r\n3.7000000000000002\r\n",
        ),
        (
            "return cjson.encode({1,'a/b',{x=true}})",
            "$21\r\n[1,\"a\\/b\",{\"x\":true}]\r\n",
        ),
        ("return cjson.decode('[1,2,3]')[3]", ":3\r\n"),
        ("return bit.band(0xff, 0x0f)", ":15\r\n"),
        ("return bit.tohex(255, 4)", "$4\r\n00ff\r\n"),
    ];
    for (script, expected) in cases {
        assert_eq!(&eval(&mut wire, script), expected, "{script}");
    }
    // Hashes are maps in RESP3 and flat arrays in RESP2, scores doubles.
    wire.call(&["HSET", "h", "a", "1"]);
    wire.call(&["ZADD", "z", "1.5", "m"]);
    assert_eq!(
        eval(&mut wire, "return redis.call('hgetall','h')"),
        "*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        eval(
            &mut wire,
            "redis.setresp(3) return type(redis.call('hgetall','h').map)"
        ),
        "$5\r\ntable\r\n"
    );
    assert_eq!(
        eval(&mut wire, "return redis.call('zscore','z','m')"),
        "$3\r\n1.5\r\n"
    );
    // A list range is a Lua array of strings (framekv encodes it ahead).
    wire.call(&["RPUSH", "l", "a", "", "ccc"]);
    assert_eq!(
        eval(
            &mut wire,
            "local r = redis.call('lrange','l',0,-1) return {#r, r[1], r[2], r[3], type(r[3])}"
        ),
        "*5\r\n:3\r\n$1\r\na\r\n$0\r\n\r\n$3\r\nccc\r\n$6\r\nstring\r\n"
    );
    assert_eq!(
        eval(
            &mut wire,
            "redis.setresp(3) return redis.call('zscore','z','m').double * 2"
        ),
        ":3\r\n"
    );
    // A RESP3 client: booleans stay 1/nil unless the script chose RESP3.
    wire.call(&["HELLO", "3"]);
    assert_eq!(eval(&mut wire, "return true"), ":1\r\n");
    assert_eq!(eval(&mut wire, "return nil"), "_\r\n");
    assert_eq!(eval(&mut wire, "redis.setresp(3) return true"), "#t\r\n");
    assert_eq!(eval(&mut wire, "return {double=3.5}"), ",3.5\r\n");
    assert_eq!(
        eval(&mut wire, "return {map={a=1}}"),
        "%1\r\n$1\r\na\r\n:1\r\n"
    );
    assert_eq!(
        eval(&mut wire, "return {set={a=true}}"),
        "~1\r\n$1\r\na\r\n"
    );
}

#[test]
fn keys_argv_and_numkeys() {
    let server = TestServer::start(&[]);
    let mut wire = Wire::new(&server);
    assert_eq!(
        wire.call(&[
            "EVAL",
            "return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}",
            "2",
            "k1",
            "k2",
            "a1",
            "a2"
        ]),
        "*4\r\n$2\r\nk1\r\n$2\r\nk2\r\n$2\r\na1\r\n$2\r\na2\r\n"
    );
    assert_eq!(
        wire.call(&["EVAL", "return #KEYS + #ARGV", "1", "k", "a", "b"]),
        ":3\r\n"
    );
    assert_eq!(
        wire.call(&["EVAL", "return 1", "-1"]),
        "-ERR Number of keys can't be negative\r\n"
    );
    assert_eq!(
        wire.call(&["EVAL", "return 1", "2", "a"]),
        "-ERR Number of keys can't be greater than number of args\r\n"
    );
    assert_eq!(
        wire.call(&["EVAL", "return 1", "x"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        wire.call(&["EVAL", "return 1"]),
        "-ERR wrong number of arguments for 'eval' command\r\n"
    );
    let mut con = server.conn();
    let keys: Vec<String> = redis::cmd("COMMAND")
        .arg("GETKEYS")
        .arg("EVAL")
        .arg("return 1")
        .arg("2")
        .arg("a")
        .arg("b")
        .arg("c")
        .query(&mut con)
        .unwrap();
    assert_eq!(keys, ["a", "b"]);
}

#[test]
fn errors_carry_the_script_and_line_as_redis_7_words_them() {
    let server = TestServer::start(&[]);
    let mut wire = Wire::new(&server);
    wire.call(&["SET", "s", "abc"]);
    let incr = "return redis.call('incr','s')";
    assert_eq!(
        eval(&mut wire, incr),
        format!(
            "-ERR value is not an integer or out of range{}\r\n",
            suffix(incr, 1)
        )
    );
    assert_eq!(
        eval(&mut wire, "return redis.pcall('incr','s')"),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        eval(&mut wire, "return redis.pcall('incr','s').err"),
        "$43\r\nERR value is not an integer or out of range\r\n"
    );
    let unknown = "\n\nreturn redis.call('nosuch')";
    assert_eq!(
        eval(&mut wire, unknown),
        format!(
            "-ERR Unknown Redis command called from script{}\r\n",
            suffix(unknown, 3)
        )
    );
    let arity = "return redis.call('get')";
    assert_eq!(
        eval(&mut wire, arity),
        format!(
            "-ERR Wrong number of args calling Redis command from script{}\r\n",
            suffix(arity, 1)
        )
    );
    let bad_arg = "return redis.call('get',{})";
    assert_eq!(
        eval(&mut wire, bad_arg),
        format!(
            "-ERR Lua redis lib command arguments must be strings or integers{}\r\n",
            suffix(bad_arg, 1)
        )
    );
    let noscript = "return redis.call('multi')";
    assert_eq!(
        eval(&mut wire, noscript),
        format!(
            "-ERR This Redis command is not allowed from script{}\r\n",
            suffix(noscript, 1)
        )
    );
    let frame = "return redis.call('frame.list','s')";
    assert_eq!(
        eval(&mut wire, frame),
        format!(
            "-ERR This Redis command is not allowed from script{}\r\n",
            suffix(frame, 1)
        )
    );
    let global = "return foo";
    assert_eq!(
        eval(&mut wire, global),
        format!(
            "-ERR user_script:1: Script attempted to access nonexistent global variable 'foo'{}\r\n",
            suffix(global, 1)
        )
    );
    let boom = "error('boom')";
    assert_eq!(
        eval(&mut wire, boom),
        format!("-ERR user_script:1: boom{}\r\n", suffix(boom, 1))
    );
    let table = "error({err='MY boom'})";
    assert_eq!(
        eval(&mut wire, table),
        format!("-MY boom{}\r\n", suffix(table, 1))
    );
    let inner = "local function f() return redis.call('nosuch') end\nreturn f()";
    assert_eq!(
        eval(&mut wire, inner),
        format!(
            "-ERR Unknown Redis command called from script{}\r\n",
            suffix(inner, 1)
        )
    );
    assert_eq!(
        eval(&mut wire, "return 1 +"),
        "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'\r\n"
    );
    assert_eq!(
        eval(&mut wire, "#!python\nreturn 1"),
        "-ERR Unexpected engine in script shebang: #!python\r\n"
    );
    let log = "return redis.log(99,'x')";
    assert_eq!(
        eval(&mut wire, log),
        format!("-ERR Invalid debug level.{}\r\n", suffix(log, 1))
    );
    let resp = "return redis.setresp(4)";
    assert_eq!(
        eval(&mut wire, resp),
        format!("-ERR RESP version must be 2 or 3.{}\r\n", suffix(resp, 1))
    );
}

#[test]
fn the_sandbox_has_no_os_io_or_writable_globals() {
    let server = TestServer::start(&[]);
    let mut wire = Wire::new(&server);
    for name in [
        "os", "io", "loadfile", "dofile", "print", "require", "debug", "setfenv", "getfenv",
    ] {
        let script = format!("return {name}");
        assert_eq!(
            eval(&mut wire, &script),
            format!(
                "-ERR user_script:1: Script attempted to access nonexistent global variable '{name}'{}\r\n",
                suffix(&script, 1)
            ),
        );
    }
    for script in ["x = 1", "_G.x = 1", "redis.call = nil", "string.foo = 1"] {
        assert_eq!(
            eval(&mut wire, script),
            format!(
                "-ERR user_script:1: Attempt to modify a readonly table{}\r\n",
                suffix(script, 1)
            )
        );
    }
    // loadstring stays, but only for text, and its chunks see the same globals.
    assert_eq!(eval(&mut wire, "return loadstring('return 5')()"), ":5\r\n");
    assert_eq!(eval(&mut wire, "return loadstring('\\27Lua')"), "$-1\r\n");
    assert!(
        eval(&mut wire, "return loadstring('y = 5')()")
            .contains("Attempt to modify a readonly table")
    );
    for name in [
        "string",
        "math",
        "table",
        "cjson",
        "bit",
        "redis",
        "coroutine",
    ] {
        assert_eq!(
            eval(&mut wire, &format!("return type({name})")),
            "$5\r\ntable\r\n",
            "{name}"
        );
    }
    // An endless reference loop is an error, not a crash.
    assert!(eval(&mut wire, "local t = {} t[1] = t return t").contains("stack limit"));
    assert_eq!(wire.call(&["PING"]), "+PONG\r\n");
}

#[test]
fn the_script_cache_evalsha_and_noscript() {
    let server = TestServer::start(&[]);
    let mut wire = Wire::new(&server);
    let sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
    assert_eq!(
        wire.call(&["EVALSHA", sha, "0"]),
        "-NOSCRIPT No matching script. Please use EVAL.\r\n"
    );
    assert_eq!(
        wire.call(&["SCRIPT", "LOAD", "return 1"]),
        format!("$40\r\n{sha}\r\n")
    );
    assert_eq!(wire.call(&["EVALSHA", sha, "0"]), ":1\r\n");
    // Hex digits in any case.
    assert_eq!(wire.call(&["EVALSHA", &sha.to_uppercase(), "0"]), ":1\r\n");
    assert_eq!(
        wire.call(&["SCRIPT", "EXISTS", sha, &sha.to_uppercase(), "nope"]),
        "*3\r\n:1\r\n:1\r\n:0\r\n"
    );
    // EVAL caches its script too.
    eval(&mut wire, "return 2");
    assert_eq!(wire.call(&["EVALSHA", &sha1("return 2"), "0"]), ":2\r\n");
    assert_eq!(
        wire.call(&["SCRIPT", "FLUSH", "bad"]),
        "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n"
    );
    assert_eq!(wire.call(&["SCRIPT", "FLUSH", "ASYNC"]), "+OK\r\n");
    assert_eq!(wire.call(&["SCRIPT", "EXISTS", sha]), "*1\r\n:0\r\n");
    assert_eq!(
        wire.call(&["EVALSHA", sha, "0"]),
        "-NOSCRIPT No matching script. Please use EVAL.\r\n"
    );
    assert_eq!(
        wire.call(&["SCRIPT", "LOAD", "return +"]),
        "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'\r\n"
    );
    assert_eq!(
        wire.call(&["SCRIPT", "KILL"]),
        "-NOTBUSY No scripts in execution right now.\r\n"
    );
    assert_eq!(wire.call(&["FUNCTION", "LIST"]), "*0\r\n");
    assert_eq!(wire.call(&["FUNCTION", "FLUSH"]), "+OK\r\n");
    assert_eq!(
        wire.call(&["FCALL", "f", "0"]),
        "-ERR Function not found\r\n"
    );
    assert!(
        wire.call(&["SCRIPT", "HELP"])
            .starts_with("*17\r\n+SCRIPT <subcommand>")
    );
}

#[test]
fn read_only_scripts_refuse_writes() {
    let server = TestServer::start(&[]);
    let mut wire = Wire::new(&server);
    wire.call(&["SET", "x", "1"]);
    let write = "return redis.call('set','x','2')";
    assert_eq!(
        wire.call(&["EVAL_RO", write, "0"]),
        format!(
            "-ERR Write commands are not allowed from read-only scripts.{}\r\n",
            suffix(write, 1)
        )
    );
    assert_eq!(
        wire.call(&["EVAL_RO", "return redis.call('get','x')", "0"]),
        "$1\r\n1\r\n"
    );
    let shebang = "#!lua flags=no-writes\nreturn redis.call('set','x','3')";
    assert_eq!(
        eval(&mut wire, shebang),
        format!(
            "-ERR Write commands are not allowed from read-only scripts.{}\r\n",
            suffix(shebang, 2)
        )
    );
    wire.call(&["SCRIPT", "LOAD", write]);
    assert!(
        wire.call(&["EVALSHA_RO", &sha1(write), "0"])
            .contains("read-only scripts")
    );
    assert_eq!(wire.call(&["GET", "x"]), "$1\r\n1\r\n");
}

#[test]
fn select_inside_a_script_is_the_scripts_own() {
    let server = TestServer::start(&[]);
    let mut wire = Wire::new(&server);
    assert_eq!(
        eval(
            &mut wire,
            "redis.call('select','1') return redis.call('set','sel','1')"
        ),
        "+OK\r\n"
    );
    assert_eq!(wire.call(&["EXISTS", "sel"]), ":0\r\n");
    wire.call(&["SELECT", "1"]);
    assert_eq!(wire.call(&["EXISTS", "sel"]), ":1\r\n");
}

#[test]
fn a_script_is_atomic_to_other_clients() {
    let server = TestServer::start(&[]);
    let mut writer = server.conn();
    let url = server.url();
    let reader = thread::spawn(move || {
        let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
        let mut seen = Vec::new();
        for _ in 0..300 {
            let v: Option<i64> = redis::cmd("GET").arg("counter").query(&mut con).unwrap();
            seen.push(v.unwrap_or(0));
        }
        seen
    });
    for _ in 0..20 {
        let _: i64 = redis::cmd("EVAL")
            .arg("for i = 1, 5000 do redis.call('incr', KEYS[1]) end return 1")
            .arg(1)
            .arg("counter")
            .query(&mut writer)
            .unwrap();
    }
    for value in reader.join().unwrap() {
        assert_eq!(value % 5000, 0, "a reader saw a script half done: {value}");
    }
    assert_eq!(query_int(&mut writer, &["GET", "counter"]), 100_000);
}

#[test]
fn busy_past_the_threshold_and_script_kill() {
    let server = TestServer::start(&["--busy-reply-threshold", "200"]);
    let mut runner = Wire::new(&server);
    let endless = "local i = 0 while true do i = i + 1 end";
    runner.send(&["EVAL", endless, "0"]);
    let mut other = Wire::new(&server);
    // Before the threshold the other client waits; after it, BUSY.
    let started = Instant::now();
    let mut reply = other.call(&["PING"]);
    while reply == "+PONG\r\n" && started.elapsed() < Duration::from_secs(10) {
        thread::sleep(Duration::from_millis(20));
        reply = other.call(&["PING"]);
    }
    assert_eq!(
        reply,
        "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(other.call(&["SCRIPT", "KILL"]), "+OK\r\n");
    assert_eq!(
        runner.reply(),
        format!(
            "-ERR Script killed by user with SCRIPT KILL...{}\r\n",
            suffix(endless, 1)
        )
    );
    assert_eq!(other.call(&["PING"]), "+PONG\r\n");
    assert_eq!(
        other.call(&["SCRIPT", "KILL"]),
        "-NOTBUSY No scripts in execution right now.\r\n"
    );

    // A script that wrote cannot be killed; it ends on its own here.
    let writes = "redis.call('set','w','1') local t0 = redis.call('time') \
                  repeat local t = redis.call('time') \
                  until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 1200000 return 'done'";
    runner.send(&["EVAL", writes, "0"]);
    let started = Instant::now();
    let mut reply = other.call(&["SCRIPT", "KILL"]);
    while reply.starts_with("-NOTBUSY") && started.elapsed() < Duration::from_secs(5) {
        thread::sleep(Duration::from_millis(10));
        reply = other.call(&["SCRIPT", "KILL"]);
    }
    assert!(
        reply.starts_with("-UNKILLABLE Sorry the script already executed write commands"),
        "{reply}"
    );
    assert_eq!(runner.reply(), "$4\r\ndone\r\n");
    assert_eq!(other.call(&["GET", "w"]), "$1\r\n1\r\n");
}

#[test]
fn scripts_inside_multi_exec() {
    let server = TestServer::start(&[]);
    let mut wire = Wire::new(&server);
    wire.call(&["MULTI"]);
    assert_eq!(
        wire.call(&["EVAL", "return redis.call('incr', KEYS[1])", "1", "n"]),
        "+QUEUED\r\n"
    );
    assert_eq!(wire.call(&["INCR", "n"]), "+QUEUED\r\n");
    assert_eq!(wire.call(&["EXEC"]), "*2\r\n:1\r\n:2\r\n");
}

#[test]
fn the_aof_holds_a_scripts_effects_as_one_transaction() {
    let dir = temp_dir();
    let mut server = TestServer::launch_ok(
        dir.clone(),
        &["--appendonly", "yes", "--appendfsync", "always"],
    );
    let mut con = server.conn();
    ok(&mut con, &["SADD", "pool", "a", "b", "c", "d"]);
    let script = "local m = redis.call('spop', KEYS[1]) redis.call('rpush', KEYS[2], m) \
                  redis.call('set', KEYS[3], m, 'EX', 100) return m";
    let popped: String = redis::cmd("EVAL")
        .arg(script)
        .arg(3)
        .arg("pool")
        .arg("taken")
        .arg("last")
        .query(&mut con)
        .unwrap();
    let records = aof_support::read_records(&aof_support::newest_file(&dir));
    let names: Vec<String> = records
        .iter()
        .map(|r| String::from_utf8_lossy(&r.argv[0]).to_ascii_uppercase())
        .filter(|n| n != "SELECT" && n != "FRAMEKV.CLOCK")
        .collect();
    assert_eq!(names, ["SADD", "MULTI", "SREM", "RPUSH", "SET", "EXEC"]);
    server.restart();
    let mut con = server.conn();
    let members: Vec<String> = redis::cmd("SMEMBERS").arg("pool").query(&mut con).unwrap();
    assert_eq!(members.len(), 3);
    assert!(!members.contains(&popped));
    let taken: Vec<String> = redis::cmd("LRANGE")
        .arg("taken")
        .arg(0)
        .arg(-1)
        .query(&mut con)
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0], popped);
    assert_eq!(text(&ok(&mut con, &["GET", "last"])), popped);
    let ttl = query_int(&mut con, &["TTL", "last"]);
    assert!((90..=100).contains(&ttl), "{ttl}");
}

/// redis-py's `Lock` over the wire, as its `Script` objects send it:
/// `SET name token NX PX ms` to acquire, then EVALSHA of the release /
/// extend / reacquire scripts, falling back to SCRIPT LOAD on NOSCRIPT.
/// The scripts here do what redis-py's documented Lock does (compare the
/// token, then delete / add to or replace the TTL).
#[test]
fn redis_py_lock_flow_with_noscript_fallback() {
    const RELEASE: &str = "local token = redis.call('get', KEYS[1])
if not token or token ~= ARGV[1] then return 0 end
redis.call('del', KEYS[1])
return 1";
    const EXTEND: &str = "local token = redis.call('get', KEYS[1])
if not token or token ~= ARGV[1] then return 0 end
local ttl = redis.call('pttl', KEYS[1])
if not ttl then ttl = 0 end
if ttl < 0 then return 0 end
local new_ttl = ARGV[2]
if ARGV[3] == '0' then new_ttl = ARGV[2] + ttl end
redis.call('pexpire', KEYS[1], new_ttl)
return 1";
    const REACQUIRE: &str = "local token = redis.call('get', KEYS[1])
if not token or token ~= ARGV[1] then return 0 end
redis.call('pexpire', KEYS[1], ARGV[2])
return 1";
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let release = redis::Script::new(RELEASE);
    let extend = redis::Script::new(EXTEND);
    let reacquire = redis::Script::new(REACQUIRE);
    // Acquire.
    let got: Option<String> = redis::cmd("SET")
        .arg("lock:report")
        .arg("token-a")
        .arg("NX")
        .arg("PX")
        .arg(10_000)
        .query(&mut con)
        .unwrap();
    assert_eq!(got.as_deref(), Some("OK"));
    let second: Option<String> = redis::cmd("SET")
        .arg("lock:report")
        .arg("token-b")
        .arg("NX")
        .arg("PX")
        .arg(10_000)
        .query(&mut con)
        .unwrap();
    assert_eq!(second, None, "a held lock is not acquired twice");
    // Extend by 20 s (additive), on an empty script cache: NOSCRIPT, then load.
    let extended: i64 = extend
        .key("lock:report")
        .arg("token-a")
        .arg(20_000)
        .arg("0")
        .invoke(&mut con)
        .unwrap();
    assert_eq!(extended, 1);
    let pttl = query_int(&mut con, &["PTTL", "lock:report"]);
    assert!((25_000..=30_000).contains(&pttl), "{pttl}");
    // Replace the TTL.
    let replaced: i64 = extend
        .key("lock:report")
        .arg("token-a")
        .arg(5_000)
        .arg("1")
        .invoke(&mut con)
        .unwrap();
    assert_eq!(replaced, 1);
    assert!(query_int(&mut con, &["PTTL", "lock:report"]) <= 5_000);
    // After SCRIPT FLUSH the client's EVALSHA falls back again.
    ok(&mut con, &["SCRIPT", "FLUSH"]);
    let again: i64 = reacquire
        .key("lock:report")
        .arg("token-a")
        .arg(8_000)
        .invoke(&mut con)
        .unwrap();
    assert_eq!(again, 1);
    assert!(query_int(&mut con, &["PTTL", "lock:report"]) > 5_000);
    // Someone else's token neither extends nor releases.
    let foreign: i64 = release
        .key("lock:report")
        .arg("token-b")
        .invoke(&mut con)
        .unwrap();
    assert_eq!(foreign, 0);
    let released: i64 = release
        .key("lock:report")
        .arg("token-a")
        .invoke(&mut con)
        .unwrap();
    assert_eq!(released, 1);
    assert_eq!(query_int(&mut con, &["EXISTS", "lock:report"]), 0);
    let late: i64 = extend
        .key("lock:report")
        .arg("token-a")
        .arg(1_000)
        .arg("0")
        .invoke(&mut con)
        .unwrap();
    assert_eq!(late, 0, "a released lock cannot be extended");
}

/// django-redis's `incr` on a key with a TTL runs a script that keeps the
/// TTL: increment when the key exists, report "missing" otherwise.
#[test]
fn django_redis_incr_script() {
    const INCR: &str = "local exists = redis.call('EXISTS', KEYS[1])
if (exists == 1) then
    return redis.call('INCRBY', KEYS[1], ARGV[1])
else return false end";
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let script = redis::Script::new(INCR);
    let missing: Option<i64> = script.key(":1:hits").arg(5).invoke(&mut con).unwrap();
    assert_eq!(missing, None);
    ok(&mut con, &["SET", ":1:hits", "10", "EX", "300"]);
    let n: Option<i64> = script.key(":1:hits").arg(5).invoke(&mut con).unwrap();
    assert_eq!(n, Some(15));
    let n: Option<i64> = script.key(":1:hits").arg(-20).invoke(&mut con).unwrap();
    assert_eq!(n, Some(-5));
    let ttl = query_int(&mut con, &["TTL", ":1:hits"]);
    assert!((290..=300).contains(&ttl), "the TTL is kept: {ttl}");
    ok(&mut con, &["SET", ":1:name", "x"]);
    let e = script
        .key(":1:name")
        .arg(1)
        .invoke::<Option<i64>>(&mut con)
        .unwrap_err();
    assert!(error_line(&e).contains("value is not an integer"), "{e}");
}

/// The real redis-py client, when this machine has it (`.ci/run`
/// installs it): `Lock` acquire, extend, reacquire and release, with the
/// script cache flushed in between so its NOSCRIPT fallback runs.
#[test]
fn real_redis_py_lock() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import redis"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("skipped: python3 with redis-py is not installed");
        return;
    }
    let server = TestServer::start(&[]);
    let url = server.url();
    let port = url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let program = r#"
import sys, redis
r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]))
lock = r.lock("resource", timeout=10)
assert lock.acquire(blocking=False)
assert not r.lock("resource", timeout=10).acquire(blocking=False)
r.script_flush()
assert lock.extend(20)
assert 25000 < r.pttl("resource") <= 30000, r.pttl("resource")
assert lock.extend(5, replace_ttl=True)
assert r.pttl("resource") <= 5000
r.script_flush()
assert lock.reacquire()
assert lock.owned()
lock.release()
assert r.exists("resource") == 0
print("ok")
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", program, &port])
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok",
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn config_busy_reply_threshold_and_its_alias() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let got: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("busy-reply-threshold")
        .query(&mut con)
        .unwrap();
    assert_eq!(got, ["busy-reply-threshold", "5000"]);
    ok(&mut con, &["CONFIG", "SET", "lua-time-limit", "750"]);
    let got: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("busy-reply-threshold")
        .query(&mut con)
        .unwrap();
    assert_eq!(got, ["busy-reply-threshold", "750"]);
    let got: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("lua-time-limit")
        .query(&mut con)
        .unwrap();
    assert_eq!(got, ["lua-time-limit", "750"]);
    let _ = Value::Nil;
}

#[test]
fn a_script_that_selects_another_database_replays_into_both() {
    let dir = temp_dir();
    let mut server =
        TestServer::launch_ok(dir, &["--appendonly", "yes", "--appendfsync", "always"]);
    let mut con = server.conn();
    let script = "redis.call('set', 'a', '1') redis.call('select', '2') \
                  redis.call('set', 'b', '2') return redis.call('dbsize')";
    let size: i64 = redis::cmd("EVAL")
        .arg(script)
        .arg(0)
        .query(&mut con)
        .unwrap();
    assert_eq!(size, 1);
    // The client is back in its own database after the script.
    ok(&mut con, &["SET", "c", "3"]);
    server.restart();
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 2);
    assert_eq!(text(&ok(&mut con, &["GET", "c"])), "3");
    ok(&mut con, &["SELECT", "2"]);
    assert_eq!(text(&ok(&mut con, &["GET", "b"])), "2");
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 1);
}
