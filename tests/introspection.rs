//! `COMMAND` and its subcommands against the real binary, over RESP2 and
//! RESP3. Expected shapes are Redis 7.0's.

mod common;

use std::collections::HashSet;

use common::TestServer;
use redis::{Connection, Value};

fn text(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::VerbatimString { text, .. } => text.clone(),
        Value::Okay => "OK".into(),
        other => panic!("text expected, got {other:?}"),
    }
}

/// Elements of an array or a set.
fn items(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) | Value::Set(a) => a,
        other => panic!("array or set expected, got {other:?}"),
    }
}

/// Pairs of a RESP3 map or a RESP2 flat array.
fn pairs(v: &Value) -> Vec<(Value, Value)> {
    match v {
        Value::Map(m) => m.clone(),
        Value::Array(a) => {
            assert_eq!(a.len() % 2, 0, "flat map has an even length");
            a.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect()
        }
        other => panic!("map expected, got {other:?}"),
    }
}

fn field<'a>(map: &'a [(Value, Value)], name: &str) -> Option<&'a Value> {
    map.iter().find(|(k, _)| text(k) == name).map(|(_, v)| v)
}

fn err_text(result: redis::RedisResult<Value>) -> String {
    match result {
        Err(e) => format!("{} {}", e.code().unwrap_or(""), e.detail().unwrap_or("")),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

fn command(con: &mut Connection, args: &[&str]) -> Value {
    redis::cmd("COMMAND").arg(args).query(con).expect("COMMAND")
}

#[test]
fn count_matches_command_and_list_adds_subcommands() {
    let server = TestServer::start(&[]);
    for mut con in [server.conn(), server.conn_resp3()] {
        let all = command(&mut con, &[]);
        let entries = items(&all);
        let count: i64 = redis::cmd("COMMAND").arg("COUNT").query(&mut con).unwrap();
        assert_eq!(count as usize, entries.len());
        let mut expected: HashSet<String> = HashSet::new();
        for entry in entries {
            let fields = items(entry);
            assert_eq!(fields.len(), 10, "Redis 7 entries have 10 fields");
            expected.insert(text(&fields[0]));
            for sub in items(&fields[9]) {
                let name = text(&items(sub)[0]);
                assert!(
                    name.starts_with(&format!("{}|", text(&fields[0]))),
                    "{name}"
                );
                expected.insert(name);
            }
        }
        let listed: Vec<String> = redis::cmd("COMMAND").arg("LIST").query(&mut con).unwrap();
        assert_eq!(
            listed.len(),
            expected.len(),
            "COMMAND LIST names commands and subcommands once each"
        );
        assert_eq!(listed.into_iter().collect::<HashSet<_>>(), expected);
        for name in [
            "info",
            "config|get",
            "command|docs",
            "slowlog|get",
            "memory|usage",
            "dbsize",
        ] {
            assert!(expected.contains(name), "{name} is registered");
        }
    }
}

#[test]
fn list_filters_by_pattern_and_acl_category() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let mut config: Vec<String> = redis::cmd("COMMAND")
        .arg(&["LIST", "FILTERBY", "PATTERN", "CONFIG*"])
        .query(&mut con)
        .unwrap();
    config.sort();
    assert_eq!(
        config,
        [
            "config",
            "config|get",
            "config|help",
            "config|resetstat",
            "config|rewrite",
            "config|set"
        ]
    );
    let admin: Vec<String> = redis::cmd("COMMAND")
        .arg(&["LIST", "FILTERBY", "ACLCAT", "admin"])
        .query(&mut con)
        .unwrap();
    assert!(admin.contains(&"config|set".to_string()) && admin.contains(&"shutdown".to_string()));
    assert!(!admin.contains(&"dbsize".to_string()));
    let modules: Vec<String> = redis::cmd("COMMAND")
        .arg(&["LIST", "FILTERBY", "MODULE", "x"])
        .query(&mut con)
        .unwrap();
    assert!(modules.is_empty());
    assert_eq!(
        err_text(
            redis::cmd("COMMAND")
                .arg(&["LIST", "FILTERBY", "COLOUR", "x"])
                .query(&mut con)
        ),
        "ERR syntax error"
    );
    assert_eq!(
        err_text(redis::cmd("COMMAND").arg(&["LIST", "x"]).query(&mut con)),
        "ERR syntax error"
    );
}

#[test]
fn info_of_get_has_redis_arity_keys_and_key_specs() {
    let server = TestServer::start(&[]);
    for (resp3, mut con) in [(false, server.conn()), (true, server.conn_resp3())] {
        let reply = command(&mut con, &["INFO", "get", "nosuchcommand", "CONFIG|GET"]);
        let entries = items(&reply);
        assert_eq!(entries.len(), 3);
        let get = items(&entries[0]);
        assert_eq!(text(&get[0]), "get");
        assert_eq!(get[1], Value::Int(2));
        let flags: Vec<String> = items(&get[2]).iter().map(text).collect();
        assert!(flags.contains(&"readonly".to_string()), "{flags:?}");
        assert_eq!(
            (&get[3], &get[4], &get[5]),
            (&Value::Int(1), &Value::Int(1), &Value::Int(1))
        );
        let categories: Vec<String> = items(&get[6]).iter().map(text).collect();
        assert!(
            categories.contains(&"@read".to_string())
                && categories.contains(&"@string".to_string())
        );
        if resp3 {
            assert!(matches!(get[2], Value::Set(_)), "flags are a RESP3 set");
        }
        let specs = items(&get[8]);
        assert_eq!(specs.len(), 1);
        let spec = pairs(&specs[0]);
        let spec_flags: Vec<String> = items(field(&spec, "flags").unwrap())
            .iter()
            .map(text)
            .collect();
        assert_eq!(spec_flags, ["RO", "access"]);
        let begin = pairs(field(&spec, "begin_search").unwrap());
        assert_eq!(text(field(&begin, "type").unwrap()), "index");
        let index = pairs(field(&begin, "spec").unwrap());
        assert_eq!(field(&index, "index"), Some(&Value::Int(1)));
        let find = pairs(field(&spec, "find_keys").unwrap());
        assert_eq!(text(field(&find, "type").unwrap()), "range");
        let range = pairs(field(&find, "spec").unwrap());
        assert_eq!(field(&range, "lastkey"), Some(&Value::Int(0)));
        assert_eq!(entries[1], Value::Nil);
        let config_get = items(&entries[2]);
        assert_eq!(text(&config_get[0]), "config|get");
        assert_eq!(config_get[1], Value::Int(-3));
    }
}

#[test]
fn getkeys_finds_keys_and_reports_redis_errors() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let keys: Vec<String> = redis::cmd("COMMAND")
        .arg(&["GETKEYS", "mset", "a", "1", "b", "2"])
        .query(&mut con)
        .unwrap();
    assert_eq!(keys, ["a", "b"]);
    let usage: Vec<String> = redis::cmd("COMMAND")
        .arg(&["GETKEYS", "MEMORY", "USAGE", "k"])
        .query(&mut con)
        .unwrap();
    assert_eq!(usage, ["k"]);
    let with_flags: Value = redis::cmd("COMMAND")
        .arg(&["GETKEYSANDFLAGS", "memory", "usage", "k"])
        .query(&mut con)
        .unwrap();
    let pair = items(&items(&with_flags)[0]).to_vec();
    assert_eq!(text(&pair[0]), "k");
    // Redis 7.0.15 declares MEMORY USAGE's key `RO` only (no `access`).
    assert_eq!(items(&pair[1]).iter().map(text).collect::<Vec<_>>(), ["RO"]);
    let getkeys = |con: &mut Connection, args: &[&str]| {
        err_text(redis::cmd("COMMAND").arg("GETKEYS").arg(args).query(con))
    };
    assert_eq!(
        getkeys(&mut con, &["nosuch", "a"]),
        "ERR Invalid command specified"
    );
    assert_eq!(
        getkeys(&mut con, &["mset", "a"]),
        "ERR Invalid number of arguments specified for command"
    );
    assert_eq!(
        getkeys(&mut con, &["config", "get", "x"]),
        "ERR The command has no key arguments"
    );
    assert_eq!(
        getkeys(&mut con, &["config", "nosuch"]),
        "ERR Invalid command specified"
    );
    assert_eq!(
        getkeys(&mut con, &["ping"]),
        "ERR wrong number of arguments for 'command|getkeys' command"
    );
}

#[test]
fn docs_describe_every_command() {
    let server = TestServer::start(&[]);
    for mut con in [server.conn(), server.conn_resp3()] {
        let get_docs = pairs(&command(&mut con, &["DOCS", "get"]));
        assert_eq!(get_docs.len(), 1);
        assert_eq!(text(&get_docs[0].0), "get");
        let doc = pairs(&get_docs[0].1);
        assert!(!text(field(&doc, "summary").unwrap()).is_empty());
        assert_eq!(text(field(&doc, "group").unwrap()), "string");
        let args = items(field(&doc, "arguments").expect("GET documents its key argument"));
        let key = pairs(&args[0]);
        assert_eq!(text(field(&key, "type").unwrap()), "key");

        let all_names: HashSet<String> = items(&command(&mut con, &[]))
            .iter()
            .map(|e| text(&items(e)[0]))
            .collect();
        let docs = pairs(&command(&mut con, &["DOCS"]));
        let documented: HashSet<String> = docs.iter().map(|(k, _)| text(k)).collect();
        assert_eq!(documented, all_names, "every command has a DOCS entry");
        for (name, doc) in &docs {
            let doc = pairs(doc);
            assert!(
                !text(field(&doc, "summary").unwrap()).is_empty(),
                "{} has a summary",
                text(name)
            );
            assert!(field(&doc, "since").is_some() && field(&doc, "group").is_some());
        }
        let config = pairs(&command(&mut con, &["DOCS", "config"]));
        let subs =
            pairs(field(&pairs(&config[0].1), "subcommands").expect("containers list subcommands"));
        assert!(subs.iter().any(|(k, _)| text(k) == "config|set"));
        let unknown = pairs(&command(&mut con, &["DOCS", "nosuchcommand"]));
        assert!(unknown.is_empty());
    }
}

#[test]
fn help_and_unknown_subcommands_follow_redis() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let help: Vec<String> = redis::cmd("COMMAND").arg("HELP").query(&mut con).unwrap();
    assert!(help[0].starts_with("COMMAND <subcommand>"));
    assert!(help.iter().any(|l| l.starts_with("GETKEYSANDFLAGS")));
    assert_eq!(
        err_text(redis::cmd("COMMAND").arg("FOO").query(&mut con)),
        "ERR unknown subcommand 'FOO'. Try COMMAND HELP."
    );
    assert_eq!(
        err_text(redis::cmd("COMMAND").arg(&["COUNT", "x"]).query(&mut con)),
        "ERR wrong number of arguments for 'command|count' command"
    );
}

/// The tips and key-spec flags of one `COMMAND INFO` entry.
fn tips_of(con: &mut Connection, name: &str) -> Vec<String> {
    let reply = command(con, &["INFO", name]);
    let entry = items(&items(&reply)[0]);
    items(&entry[7]).iter().map(text).collect()
}

#[test]
fn info_reports_redis_tips_and_key_spec_flags() {
    let server = TestServer::start(&[]);
    for mut con in [server.conn(), server.conn_resp3()] {
        // Redis 7.0.15's `COMMAND INFO` tips, in its order.
        assert_eq!(
            tips_of(&mut con, "dbsize"),
            ["request_policy:all_shards", "response_policy:agg_sum"]
        );
        assert_eq!(
            tips_of(&mut con, "info"),
            [
                "nondeterministic_output",
                "request_policy:all_shards",
                "response_policy:special"
            ]
        );
        assert_eq!(
            tips_of(&mut con, "slowlog|len"),
            [
                "request_policy:all_nodes",
                "response_policy:agg_sum",
                "nondeterministic_output"
            ]
        );
        assert_eq!(tips_of(&mut con, "time"), ["nondeterministic_output"]);
        assert_eq!(
            tips_of(&mut con, "command|list"),
            ["nondeterministic_output_order"]
        );
        assert!(tips_of(&mut con, "command|count").is_empty());

        // MEMORY USAGE: one key at argv 2, flags exactly `RO` (no `access`).
        let reply = command(&mut con, &["INFO", "memory|usage"]);
        let entry = items(&items(&reply)[0]);
        let specs = items(&entry[8]);
        assert_eq!(specs.len(), 1);
        let spec = pairs(&specs[0]);
        let flags: Vec<String> = items(field(&spec, "flags").unwrap())
            .iter()
            .map(text)
            .collect();
        assert_eq!(flags, ["RO"]);
        let begin = pairs(field(&spec, "begin_search").unwrap());
        let index = pairs(field(&begin, "spec").unwrap());
        assert_eq!(field(&index, "index"), Some(&Value::Int(2)));

        // GETKEYSANDFLAGS reports the same flags for that key.
        let reply = command(&mut con, &["GETKEYSANDFLAGS", "memory", "usage", "k"]);
        let pair = items(&items(&reply)[0]);
        assert_eq!(text(&pair[0]), "k");
        let flags: Vec<String> = items(&pair[1]).iter().map(text).collect();
        assert_eq!(flags, ["RO"]);
    }
}
