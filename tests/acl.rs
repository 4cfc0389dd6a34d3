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
            "user bob on nopass %R~r:* %W~w:* resetchannels &chan* -@all +@read -keys +client|id",
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
        "-@all +@read -keys +client|id"
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
