//! ACL users against the real binary, with Redis 7.0's replies (each
//! expected text was checked against redis-server 7.0.15): ACL SETUSER /
//! GETUSER / LIST / USERS / WHOAMI / DELUSER / CAT / GENPASS / DRYRUN /
//! LOG, AUTH as a user, and a matrix of who may run what on which key or
//! channel.

mod common;
mod support;

use common::TestServer;
use redis::Value;
use support::*;

/// `ACL SETUSER` with the space-separated `rules` (name first).
fn setuser(con: &mut redis::Connection, rules: &str) {
    let mut args = vec!["ACL", "SETUSER"];
    args.extend(rules.split(' '));
    ok(con, &args);
}

fn login(server: &TestServer, user: &str, password: &str) -> redis::Connection {
    let mut con = server.conn();
    ok(&mut con, &["AUTH", user, password]);
    con
}

#[test]
fn users_are_described_as_redis_7_lists_them() {
    let server = TestServer::start(&[]);
    let mut admin = server.conn();
    assert_eq!(
        texts(&ok(&mut admin, &["ACL", "LIST"])),
        ["user default on nopass ~* &* +@all"]
    );
    setuser(&mut admin, "alice on >pw ~cached:* +get +set");
    setuser(
        &mut admin,
        "bob on nopass %R~r:* %W~w:* &chan* +@read -keys +client|id",
    );
    setuser(&mut admin, "newbie");
    assert_eq!(
        texts(&ok(&mut admin, &["ACL", "LIST"])),
        [
            "user alice on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~cached:* resetchannels -@all +get +set",
            "user bob on nopass %R~r:* %W~w:* resetchannels &chan* -@all +@read +client|id -keys",
            "user default on nopass ~* &* +@all",
            "user newbie off resetchannels -@all",
        ]
    );
    assert_eq!(
        texts(&ok(&mut admin, &["ACL", "USERS"])),
        ["alice", "bob", "default", "newbie"]
    );
    let bob = ok(&mut admin, &["ACL", "GETUSER", "bob"]);
    assert_eq!(texts(&field(&bob, "flags")), ["on", "nopass"]);
    assert_eq!(
        text(&field(&bob, "commands")),
        "-@all +@read +client|id -keys"
    );
    assert_eq!(text(&field(&bob, "keys")), "%R~r:* %W~w:*");
    assert_eq!(text(&field(&bob, "channels")), "&chan*");
    assert_eq!(ok(&mut admin, &["ACL", "GETUSER", "nosuch"]), Value::Nil);
    // Errors, and nothing changes on one.
    assert_eq!(
        err(&mut admin, &["ACL", "SETUSER", "alice", "+get", "bogus"]),
        "ERR Error in ACL SETUSER modifier 'bogus': Syntax error"
    );
    assert_eq!(
        err(&mut admin, &["ACL", "SETUSER", "alice", "+nosuch"]),
        "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL"
    );
    assert!(
        err(&mut admin, &["ACL", "SETUSER", "alice", "#abc"])
            .contains("must be exactly 64 characters")
    );
    assert_eq!(
        err(&mut admin, &["ACL", "CAT", "nosuch"]),
        "ERR Unknown category 'nosuch'"
    );
    assert_eq!(
        err(&mut admin, &["ACL", "DELUSER", "default"]),
        "ERR The 'default' user cannot be removed"
    );
    assert_eq!(
        query_int(&mut admin, &["ACL", "DELUSER", "nosuch", "newbie"]),
        1
    );
    let categories = texts(&ok(&mut admin, &["ACL", "CAT"]));
    assert!(
        categories.contains(&"session".to_string()) && categories.contains(&"frame".to_string())
    );
    assert!(texts(&ok(&mut admin, &["ACL", "CAT", "frame"])).contains(&"frame.apply".to_string()));
    assert_eq!(text(&ok(&mut admin, &["ACL", "GENPASS"])).len(), 64);
    assert_eq!(text(&ok(&mut admin, &["ACL", "GENPASS", "32"])).len(), 8);
    assert!(
        err(&mut admin, &["ACL", "GENPASS", "0"]).starts_with("ERR ACL GENPASS argument must be")
    );
}

#[test]
fn who_may_run_what_on_which_key_or_channel() {
    let server = TestServer::start(&[]);
    let mut admin = server.conn();
    setuser(&mut admin, "alice on >pw ~cached:* +get +set +acl|whoami");
    setuser(
        &mut admin,
        "bob on >pw %R~r:* %W~w:* &chan* +@read +@write +@transaction +publish -keys",
    );
    ok(&mut admin, &["SET", "other", "1"]);
    let mut alice = login(&server, "alice", "pw");
    assert_eq!(text(&ok(&mut alice, &["ACL", "WHOAMI"])), "alice");
    ok(&mut alice, &["SET", "cached:1", "v"]);
    assert_eq!(text(&ok(&mut alice, &["GET", "cached:1"])), "v");
    const KEY: &str =
        "NOPERM this user has no permissions to access one of the keys used as arguments";
    assert_eq!(err(&mut alice, &["GET", "other"]), KEY);
    assert_eq!(
        err(&mut alice, &["DEL", "cached:1"]),
        "NOPERM this user has no permissions to run the 'del' command"
    );
    assert_eq!(
        err(&mut alice, &["ACL", "LIST"]),
        "NOPERM this user has no permissions to run the 'acl|list' command"
    );
    let mut bob = login(&server, "bob", "pw");
    // Read-only and write-only patterns.
    assert_eq!(ok(&mut bob, &["GET", "r:1"]), Value::Nil);
    assert_eq!(err(&mut bob, &["SET", "r:1", "x"]), KEY);
    ok(&mut bob, &["SET", "w:1", "x"]);
    assert_eq!(err(&mut bob, &["GET", "w:1"]), KEY);
    // APPEND reads and writes: neither pattern alone allows it.
    assert_eq!(err(&mut bob, &["APPEND", "w:1", "y"]), KEY);
    assert_eq!(
        err(&mut bob, &["KEYS", "*"]),
        "NOPERM this user has no permissions to run the 'keys' command"
    );
    assert_eq!(query_int(&mut bob, &["PUBLISH", "chan1", "m"]), 0);
    assert_eq!(
        err(&mut bob, &["PUBLISH", "other", "m"]),
        "NOPERM this user has no permissions to access one of the channels used as arguments"
    );
    // Inside MULTI the refusal comes at queue time and aborts EXEC.
    ok(&mut bob, &["MULTI"]);
    assert_eq!(err(&mut bob, &["SET", "r:2", "x"]), KEY);
    assert!(err(&mut bob, &["EXEC"]).starts_with("EXECABORT"));
    // A script runs its commands as the caller.
    setuser(&mut admin, "carol on >pw ~k* +eval +get");
    let mut carol = login(&server, "carol", "pw");
    let e = err(&mut carol, &["EVAL", "return redis.call('get','zzz')", "0"]);
    assert!(
        e.starts_with("ERR The user executing the script can't access at least one of the keys mentioned in the command arguments script:"),
        "{e}"
    );
    let e = err(
        &mut carol,
        &["EVAL", "return redis.call('set','k1','v')", "0"],
    );
    assert!(
        e.starts_with(
            "ERR The user executing the script can't run this command or subcommand script:"
        ),
        "{e}"
    );
    // DRYRUN says what would happen without running it.
    assert_eq!(
        ok(&mut admin, &["ACL", "DRYRUN", "carol", "get", "k1"]),
        Value::Okay
    );
    assert_eq!(
        text(&ok(
            &mut admin,
            &["ACL", "DRYRUN", "carol", "set", "k", "v"]
        )),
        "This user has no permissions to run the 'set' command"
    );
    assert_eq!(
        text(&ok(&mut admin, &["ACL", "DRYRUN", "carol", "get", "other"])),
        "This user has no permissions to access the 'other' key"
    );
    assert_eq!(
        err(&mut admin, &["ACL", "DRYRUN", "nosuch", "get", "x"]),
        "ERR User 'nosuch' not found"
    );
    // Changing a user applies to its open connections at once.
    setuser(&mut admin, "alice -get");
    assert_eq!(
        err(&mut alice, &["GET", "cached:1"]),
        "NOPERM this user has no permissions to run the 'get' command"
    );
}

#[test]
fn auth_failures_and_refusals_are_in_the_acl_log() {
    let server = TestServer::start(&[]);
    let mut admin = server.conn();
    setuser(&mut admin, "alice on >pw ~a* +get");
    let mut con = server.conn();
    assert_eq!(
        err(&mut con, &["AUTH", "alice", "wrong"]),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    assert_eq!(
        err(&mut con, &["AUTH", "nosuch", "x"]),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    ok(&mut con, &["AUTH", "alice", "pw"]);
    let _ = err(&mut con, &["GET", "b"]);
    let _ = err(&mut con, &["GET", "b"]);
    let log = items(&ok(&mut admin, &["ACL", "LOG"]));
    assert_eq!(log.len(), 3, "{log:?}");
    let newest = &log[0];
    assert_eq!(int(&field(newest, "count")), 2);
    assert_eq!(text(&field(newest, "reason")), "key");
    assert_eq!(text(&field(newest, "context")), "toplevel");
    assert_eq!(text(&field(newest, "object")), "b");
    assert_eq!(text(&field(newest, "username")), "alice");
    assert!(text(&field(newest, "client-info")).contains("user=alice"));
    assert_eq!(text(&field(&log[1], "reason")), "auth");
    assert_eq!(text(&field(&log[1], "object")), "AUTH");
    assert_eq!(text(&field(&log[1], "username")), "nosuch");
    assert_eq!(items(&ok(&mut admin, &["ACL", "LOG", "1"])).len(), 1);
    ok(&mut admin, &["ACL", "LOG", "RESET"]);
    assert!(items(&ok(&mut admin, &["ACL", "LOG"])).is_empty());
    // A user switched off cannot log in; a deleted one is disconnected.
    setuser(&mut admin, "alice off");
    assert!(err(&mut server.conn(), &["AUTH", "alice", "pw"]).starts_with("WRONGPASS"));
    ok(&mut admin, &["ACL", "DELUSER", "alice"]);
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(redis::cmd("PING").query::<String>(&mut con).is_err());
}

#[test]
fn requirepass_is_the_default_users_password() {
    let server = TestServer::start(&["--requirepass", "s3cret"]);
    let mut con = server.conn();
    assert!(err(&mut con, &["GET", "x"]).starts_with("NOAUTH"));
    ok(&mut con, &["AUTH", "s3cret"]);
    assert_eq!(
        texts(&ok(&mut con, &["ACL", "LIST"])),
        [format!(
            "user default on #{} ~* &* +@all",
            sha256_hex("s3cret")
        )]
    );
    ok(&mut con, &["CONFIG", "SET", "requirepass", ""]);
    assert_eq!(
        texts(&ok(&mut con, &["ACL", "LIST"])),
        ["user default on nopass ~* &* +@all"]
    );
    let mut fresh = server.conn();
    assert_eq!(text(&ok(&mut fresh, &["ACL", "WHOAMI"])), "default");
}

fn sha256_hex(text: &str) -> String {
    let out = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(text.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// SPEC §3: a session is visible only to its owner and to admins; every
/// SESSION.* and FRAME.* command and the generic key commands check it.
#[test]
fn sessions_are_visible_only_to_their_owner_and_admins() {
    let server = TestServer::start(&[]);
    let mut admin = server.conn();
    for name in ["alice", "bob"] {
        ok(
            &mut admin,
            &[
                "ACL", "SETUSER", name, "on", ">pw", "~*", "&*", "+@all", "-@admin",
            ],
        );
    }
    let mut alice = login(&server, "alice", "pw");
    let mut bob = login(&server, "bob", "pw");
    ok(&mut alice, &["SESSION.CREATE", "ID", "a1"]);
    ok(&mut bob, &["SESSION.CREATE", "ID", "b1"]);
    let info = ok(&mut alice, &["SESSION.INFO", "a1"]);
    assert_eq!(text(&field(&info, "owner")), "alice");
    ok(
        &mut alice,
        &[
            "FRAME.LOAD",
            "a1",
            "t",
            "FORMAT",
            "csv",
            "DATA",
            "x,y\n1,2\n",
        ],
    );
    const KEY: &str =
        "NOPERM this user has no permissions to access one of the keys used as arguments";
    for command in [
        &["SESSION.INFO", "a1"][..],
        &["SESSION.TOUCH", "a1"],
        &["SESSION.DESTROY", "a1"],
        &["FRAME.ROWS", "a1", "t"],
        &["FRAME.SCHEMA", "a1", "t"],
        &["FRAME.LOAD", "a1", "u", "FORMAT", "csv", "DATA", "x\n1\n"],
        &["DEL", "a1"],
        &["TYPE", "a1"],
        &["EXPIRE", "a1", "10"],
        &["RENAME", "a1", "mine"],
        &["EXISTS", "a1"],
    ] {
        assert_eq!(err(&mut bob, command), KEY, "{command:?}");
    }
    assert_eq!(texts(&ok(&mut bob, &["SESSION.LIST"])), ["b1"]);
    assert_eq!(texts(&ok(&mut alice, &["SESSION.LIST"])), ["a1"]);
    assert_eq!(
        texts(&ok(&mut bob, &["SESSION.LIST", "OWNER", "alice"])),
        Vec::<String>::new()
    );
    assert_eq!(
        err(&mut bob, &["SESSION.CREATE", "ID", "b2", "OWNER", "alice"]),
        "NOPERM this user has no permissions to create a session owned by another user"
    );
    // The default user (+@all) is an admin: it sees and reaches every session.
    assert_eq!(texts(&ok(&mut admin, &["SESSION.LIST"])), ["a1", "b1"]);
    assert_eq!(text(&ok(&mut admin, &["TYPE", "a1"])), "session");
    ok(
        &mut admin,
        &["SESSION.CREATE", "ID", "for-bob", "OWNER", "bob"],
    );
    assert_eq!(texts(&ok(&mut bob, &["SESSION.LIST"])), ["b1", "for-bob"]);
    // Nothing bob tried changed alice's session.
    assert_eq!(query_int(&mut alice, &["EXISTS", "a1"]), 1);
    assert_eq!(
        items(&ok(&mut alice, &["FRAME.SCHEMA", "a1", "t"])).len(),
        2
    );
}

#[test]
fn users_from_the_config_and_from_an_acl_file() {
    // `user` lines (here on the command line, as in redis.conf).
    let server = TestServer::start(&["--user", "alice", "on", ">pw", "~a:*", "+get"]);
    let mut alice = login(&server, "alice", "pw");
    assert_eq!(ok(&mut alice, &["GET", "a:1"]), Value::Nil);
    assert!(err(&mut alice, &["SET", "a:1", "x"]).starts_with("NOPERM"));
    let bad = TestServer::launch(common::temp_dir(), &["--user", "bob", "bogus"]);
    assert!(bad.is_err(), "a bad user line refuses the start");

    // An aclfile: loaded at start, rewritten by ACL SAVE, reread by ACL LOAD.
    let dir = common::temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("users.acl");
    std::fs::write(&file, "user carol on >pw ~c:* +@read\n").unwrap();
    let path = file.to_str().unwrap();
    let server = TestServer::start(&["--aclfile", path]);
    let mut admin = server.conn();
    assert_eq!(
        texts(&ok(&mut admin, &["ACL", "USERS"])),
        ["carol", "default"]
    );
    setuser(&mut admin, "dave on nopass +ping");
    ok(&mut admin, &["ACL", "SAVE"]);
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(
        saved.contains("user dave on nopass resetchannels -@all +ping\n"),
        "{saved}"
    );
    assert!(
        saved.contains("user default on nopass ~* &* +@all\n"),
        "{saved}"
    );
    std::fs::write(
        &file,
        "user erin on nopass ~* +@all\nuser default on nopass ~* &* +@all\n",
    )
    .unwrap();
    ok(&mut admin, &["ACL", "LOAD"]);
    assert_eq!(
        texts(&ok(&mut admin, &["ACL", "USERS"])),
        ["default", "erin"]
    );
    std::fs::write(&file, "user frank on +nosuch\n").unwrap();
    let e = err(&mut admin, &["ACL", "LOAD"]);
    assert!(
        e.starts_with(&format!("ERR {path}:1: Error in user declaration 'frank'")),
        "{e}"
    );
    assert_eq!(
        texts(&ok(&mut admin, &["ACL", "USERS"])),
        ["default", "erin"],
        "a bad file changes nothing"
    );
    // Users in both places refuse the start, as Redis.
    let both = TestServer::launch(
        common::temp_dir(),
        &["--aclfile", path, "--user", "x", "on"],
    );
    assert!(both.is_err());
    let plain_server = TestServer::start(&[]);
    let mut plain = plain_server.conn();
    assert!(err(&mut plain, &["ACL", "SAVE"]).contains("not configured to use an ACL file"));
}

#[test]
fn acl_pubsub_default_decides_new_users_channels() {
    let server = TestServer::start(&[]);
    let mut admin = server.conn();
    setuser(&mut admin, "reset-one on nopass +publish");
    ok(
        &mut admin,
        &["CONFIG", "SET", "acl-pubsub-default", "allchannels"],
    );
    setuser(&mut admin, "all-one on nopass +publish");
    let listed = texts(&ok(&mut admin, &["ACL", "LIST"]));
    assert!(
        listed.contains(&"user all-one on nopass &* -@all +publish".to_string()),
        "{listed:?}"
    );
    assert!(
        listed.contains(&"user reset-one on nopass resetchannels -@all +publish".to_string()),
        "{listed:?}"
    );
    let mut all = server.conn();
    ok(&mut all, &["AUTH", "all-one", "x"]);
    assert_eq!(query_int(&mut all, &["PUBLISH", "any", "m"]), 0);
    let mut none = server.conn();
    ok(&mut none, &["AUTH", "reset-one", "x"]);
    assert!(err(&mut none, &["PUBLISH", "any", "m"]).starts_with("NOPERM"));
}

#[test]
fn selectors_allow_a_command_when_one_allows_it_whole() {
    let server = TestServer::start(&[]);
    let mut admin = server.conn();
    // Words of a selector given apart are joined, as Redis does.
    setuser(
        &mut admin,
        "sel on >pw -@all +client (~x* +get) (%R~y* +@string -append)",
    );
    let mut sel = login(&server, "sel", "pw");
    ok(&mut admin, &["SET", "y1", "v"]);
    assert_eq!(ok(&mut sel, &["GET", "x1"]), Value::Nil);
    assert_eq!(text(&ok(&mut sel, &["GET", "y1"])), "v");
    assert_eq!(int(&ok(&mut sel, &["STRLEN", "y1"])), 1);
    const KEY: &str =
        "NOPERM this user has no permissions to access one of the keys used as arguments";
    assert_eq!(err(&mut sel, &["SET", "y1", "w"]), KEY);
    assert_eq!(err(&mut sel, &["SET", "x1", "w"]), KEY);
    assert_eq!(err(&mut sel, &["MGET", "x1", "y1"]), KEY);
    assert_eq!(err(&mut sel, &["GET", "z"]), KEY);
    assert_eq!(
        err(&mut sel, &["APPEND", "y1", "w"]),
        "NOPERM this user has no permissions to run the 'append' command"
    );
    // ACL DRYRUN agrees, naming the key the most telling selector refused.
    for (args, expected) in [
        (&["GET", "x1"][..], "OK"),
        (&["GET", "y1"], "OK"),
        (&["CLIENT", "ID"], "OK"),
        (
            &["SET", "y1", "w"],
            "This user has no permissions to access the 'y1' key",
        ),
        (
            &["SET", "x1", "w"],
            "This user has no permissions to access the 'x1' key",
        ),
        (
            &["MGET", "x1", "y1"],
            "This user has no permissions to access the 'x1' key",
        ),
        (
            &["APPEND", "y1", "w"],
            "This user has no permissions to run the 'append' command",
        ),
        (
            &["DEL", "z"],
            "This user has no permissions to run the 'del' command",
        ),
    ] {
        let mut line = vec!["ACL", "DRYRUN", "sel"];
        line.extend(args);
        assert_eq!(text(&ok(&mut admin, &line)), expected, "{args:?}");
    }
    let entry = items(&ok(&mut admin, &["ACL", "LOG", "1"])).remove(0);
    assert_eq!(text(&field(&entry, "reason")), "command");
    assert_eq!(text(&field(&entry, "object")), "append");
    assert_eq!(
        texts(&ok(&mut admin, &["ACL", "LIST"]))[1],
        "user sel on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 \
         resetchannels -@all +client (~x* resetchannels -@all +get) \
         (%R~y* resetchannels -@all +@string -append)"
    );
    assert_eq!(
        err(&mut admin, &["ACL", "SETUSER", "sel", "(~x", "+get"]),
        "ERR Unmatched parenthesis in acl selector starting at '(~x'."
    );
    assert_eq!(
        err(&mut admin, &["ACL", "SETUSER", "sel", "(~x +nosuch)"]),
        "ERR Error in ACL SETUSER modifier '(~x +nosuch)': Unknown command or category name in ACL"
    );
    assert_eq!(
        err(&mut admin, &["ACL", "SETUSER", "sel", "(on)"]),
        "ERR Error in ACL SETUSER modifier '(on)': Syntax error"
    );
    setuser(&mut admin, "sel clearselectors");
    assert_eq!(
        err(&mut sel, &["GET", "x1"]),
        "NOPERM this user has no permissions to run the 'get' command"
    );
}

/// `ACL GETUSER` of a user with one selector, byte for byte as Redis 7.0.15
/// replies in RESP2 and in RESP3.
#[test]
fn getuser_lists_selectors_as_maps() {
    use std::io::Write;
    let server = TestServer::start(&[]);
    let mut admin = server.conn();
    setuser(&mut admin, "zs1 on nopass -@all +client (~x* +get)");
    let resp2: &[u8] = b"*12\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$6\r\nnopass\r\n\
        $9\r\npasswords\r\n*0\r\n$8\r\ncommands\r\n$13\r\n-@all +client\r\n\
        $4\r\nkeys\r\n$0\r\n\r\n$8\r\nchannels\r\n$0\r\n\r\n$9\r\nselectors\r\n*1\r\n\
        *6\r\n$8\r\ncommands\r\n$10\r\n-@all +get\r\n$4\r\nkeys\r\n$3\r\n~x*\r\n\
        $8\r\nchannels\r\n$0\r\n\r\n";
    let resp3: &[u8] = b"%6\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$6\r\nnopass\r\n\
        $9\r\npasswords\r\n*0\r\n$8\r\ncommands\r\n$13\r\n-@all +client\r\n\
        $4\r\nkeys\r\n$0\r\n\r\n$8\r\nchannels\r\n$0\r\n\r\n$9\r\nselectors\r\n*1\r\n\
        %3\r\n$8\r\ncommands\r\n$10\r\n-@all +get\r\n$4\r\nkeys\r\n$3\r\n~x*\r\n\
        $8\r\nchannels\r\n$0\r\n\r\n";
    let mut raw = server.raw();
    raw.write_all(b"ACL GETUSER zs1\r\n").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&common::read_exact_reply(&mut raw, resp2.len())),
        String::from_utf8_lossy(resp2)
    );
    let mut raw3 = server.raw();
    raw3.write_all(b"HELLO 3\r\nPING\r\n").unwrap();
    // Skip the HELLO map: read up to PING's `+PONG`.
    let mut seen = Vec::new();
    while !seen.ends_with(b"+PONG\r\n") {
        seen.extend(common::read_exact_reply(&mut raw3, 1));
    }
    raw3.write_all(b"ACL GETUSER zs1\r\n").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&common::read_exact_reply(&mut raw3, resp3.len())),
        String::from_utf8_lossy(resp3)
    );
}

#[test]
fn selectors_survive_acl_save_and_load_and_config_lines() {
    let dir = common::temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("users.acl");
    std::fs::write(&file, "user default on nopass ~* &* +@all\n").unwrap();
    let path = file.to_str().unwrap();
    let server = TestServer::start(&["--aclfile", path]);
    let mut admin = server.conn();
    setuser(
        &mut admin,
        "sel on nopass -@all +client (~x* +get) (%R~y* &c* +@string +publish -append)",
    );
    let listed = texts(&ok(&mut admin, &["ACL", "LIST"]));
    ok(&mut admin, &["ACL", "SAVE"]);
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains(&format!("{}\n", listed[1])), "{saved}");
    ok(&mut admin, &["ACL", "SETUSER", "sel", "reset"]);
    ok(&mut admin, &["ACL", "LOAD"]);
    assert_eq!(texts(&ok(&mut admin, &["ACL", "LIST"])), listed);
    let mut sel = login(&server, "sel", "x");
    assert_eq!(ok(&mut sel, &["GET", "x1"]), Value::Nil);
    assert_eq!(query_int(&mut sel, &["PUBLISH", "c1", "m"]), 0);
    assert_eq!(
        err(&mut sel, &["PUBLISH", "d1", "m"]),
        "NOPERM this user has no permissions to access one of the channels used as arguments"
    );
    std::fs::write(&file, "user bad on (~x +get\n").unwrap();
    assert_eq!(
        err(&mut admin, &["ACL", "LOAD"]),
        format!("ERR {path}:1: Unmatched parenthesis in selector definition.")
    );

    // A `user` line with a quoted selector (one word with spaces).
    let server = TestServer::start(&["--user", "carol", "on", "nopass", "(~c* +get)"]);
    let mut admin = server.conn();
    assert!(texts(&ok(&mut admin, &["ACL", "LIST"])).contains(
        &"user carol on nopass resetchannels -@all (~c* resetchannels -@all +get)".to_string()
    ));
    let mut carol = login(&server, "carol", "x");
    assert_eq!(ok(&mut carol, &["GET", "c1"]), Value::Nil);
    assert!(err(&mut carol, &["GET", "d1"]).starts_with("NOPERM"));
}

#[test]
fn first_arg_rules_allow_a_command_only_with_that_argument() {
    let server = TestServer::start(&[]);
    let mut admin = server.conn();
    setuser(&mut admin, "fa on nopass +select|0 +get|foo");
    let mut fa = login(&server, "fa", "x");
    ok(&mut fa, &["SELECT", "0"]);
    assert_eq!(
        err(&mut fa, &["SELECT", "1"]),
        "NOPERM this user has no permissions to run the 'select' command"
    );
    assert_eq!(
        err(&mut fa, &["GET", "FOO"]),
        "NOPERM this user has no permissions to access one of the keys used as arguments"
    );
    assert_eq!(
        text(&ok(&mut admin, &["ACL", "DRYRUN", "fa", "SELECT", "1"])),
        "This user has no permissions to run the 'select' command"
    );
    assert_eq!(
        text(&ok(&mut admin, &["ACL", "DRYRUN", "fa", "select", "0"])),
        "OK"
    );
    assert_eq!(
        text(&field(
            &ok(&mut admin, &["ACL", "GETUSER", "fa"]),
            "commands"
        )),
        "-@all +get|foo +select|0"
    );
    assert_eq!(
        err(&mut admin, &["ACL", "SETUSER", "fa", "-select|0"]),
        "ERR Error in ACL SETUSER modifier '-select|0': Unknown command or category name in ACL"
    );
    setuser(&mut admin, "fa -select");
    assert!(err(&mut fa, &["SELECT", "0"]).starts_with("NOPERM"));
    assert_eq!(
        texts(&ok(&mut admin, &["ACL", "LIST"]))[1],
        "user fa on nopass resetchannels -@all +get|foo"
    );
}
