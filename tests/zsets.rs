//! The sorted-set family against the real server.
//!
//! Most replies are checked against transcripts recorded from a real
//! redis-server 7.0.15 (`tests/zset_transcripts/`): every command's normal
//! path, options, edge cases (infinities, `-0`, exclusive and lexical
//! ranges, LIMIT, negative ranks, counts), exact error texts and their
//! order, and the reply shapes of RESP2 and RESP3, byte for byte. The
//! tests below them cover what a transcript cannot: big (`skiplist`) sets
//! against a sorted model, ZSCAN and ZRANDMEMBER, keyspace statistics, and
//! the AOF (what each write logs, a restart, a rewrite).

mod aof_support;
mod common;
mod support;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use aof_support::{bgrewrite_and_wait, read_records, replay_files};
use common::{TestServer, temp_dir};
use redis::{Connection, Value};
use support::{bulk, err, ok, text, texts};

/// A connection speaking raw RESP, rendering each reply the way the
/// transcripts write it: aggregates as `*N[item item]` (`%`, `~`, `>` the
/// same), bulk strings quoted (`'text'`, `$-1` for null), every other
/// reply as its line (`:3`, `+OK`, `-ERR ...`, `,1.5`, `_`).
struct Wire(BufReader<TcpStream>);

impl Wire {
    fn new(server: &TestServer, resp3: bool) -> Wire {
        let mut wire = Wire(BufReader::new(server.raw()));
        if resp3 {
            wire.call(&["HELLO", "3"]);
        }
        wire
    }

    fn call(&mut self, args: &[&str]) -> String {
        let mut req = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            req.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
        }
        self.0.get_mut().write_all(&req).expect("send");
        self.reply()
    }

    fn reply(&mut self) -> String {
        let mut line = String::new();
        self.0.read_line(&mut line).expect("reply line");
        let line = line.trim_end().to_string();
        let n: i64 = line[1..].parse().unwrap_or(0);
        match line.as_bytes()[0] {
            b'*' | b'%' | b'~' | b'>' => {
                let count = if line.starts_with('%') { 2 * n } else { n };
                let items: Vec<String> = (0..count.max(0)).map(|_| self.reply()).collect();
                format!("{line}[{}]", items.join(" "))
            }
            b'$' | b'=' if n >= 0 => {
                let mut body = vec![0; n as usize + 2];
                self.0.read_exact(&mut body).expect("bulk body");
                body.truncate(n as usize);
                let text = String::from_utf8_lossy(&body);
                format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
            }
            _ => line,
        }
    }
}

/// Runs a transcript (`command => reply` lines; `#` comments; `\s` in an
/// argument is a space, `\e` an empty argument) and checks every reply.
fn run_transcript(server: &TestServer, resp3: bool, transcript: &str) {
    let mut wire = Wire::new(server, resp3);
    for line in transcript.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (command, expected) = line.split_once(" => ").expect("command => reply");
        let args: Vec<String> = command
            .split_whitespace()
            .map(|a| a.replace("\\s", " ").replace("\\e", ""))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(wire.call(&args), expected, "{command}");
    }
}

#[test]
fn adds_scores_and_errors_match_redis() {
    let server = TestServer::start(&[]);
    run_transcript(
        &server,
        false,
        include_str!("zset_transcripts/basics.resp2.txt"),
    );
}

#[test]
fn ranges_by_rank_score_and_lex_match_redis() {
    let server = TestServer::start(&[]);
    run_transcript(
        &server,
        false,
        include_str!("zset_transcripts/ranges.resp2.txt"),
    );
}

#[test]
fn pops_random_members_and_scans_match_redis() {
    let server = TestServer::start(&[]);
    run_transcript(
        &server,
        false,
        include_str!("zset_transcripts/pops.resp2.txt"),
    );
}

#[test]
fn unions_intersections_and_differences_match_redis() {
    let server = TestServer::start(&[]);
    run_transcript(
        &server,
        false,
        include_str!("zset_transcripts/setops.resp2.txt"),
    );
    run_transcript(
        &server,
        false,
        include_str!("zset_transcripts/edges.resp2.txt"),
    );
}

#[test]
fn encodings_match_redis() {
    let server = TestServer::start(&[]);
    run_transcript(
        &server,
        false,
        include_str!("zset_transcripts/encodings.resp2.txt"),
    );
}

#[test]
fn reply_shapes_match_redis_in_both_protocols() {
    let server = TestServer::start(&[]);
    run_transcript(
        &server,
        false,
        include_str!("zset_transcripts/shapes.resp2.txt"),
    );
    run_transcript(
        &server,
        true,
        include_str!("zset_transcripts/shapes.resp3.txt"),
    );
}

/// `ZADD key score member ...` with `pairs`.
fn zadd(con: &mut Connection, key: &str, pairs: &[(f64, String)]) {
    let mut c = redis::cmd("ZADD");
    c.arg(key);
    for (score, member) in pairs {
        c.arg(score.to_string()).arg(member);
    }
    c.query::<i64>(con).expect("ZADD");
}

/// Members of a reply, as text.
fn members(v: &Value) -> Vec<String> {
    texts(v)
}

/// A skiplist set of 1000 members (scores repeat, so members break ties)
/// against a sorted model: ranks, rank and score ranges, counts, removals.
#[test]
fn big_sets_agree_with_a_sorted_model() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let mut model: Vec<(f64, String)> = (0..1000)
        .map(|i| (((i * 7919) % 101) as f64 / 4.0, format!("m{i:04}")))
        .collect();
    for chunk in model.chunks(100) {
        zadd(&mut con, "big", chunk);
    }
    model.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let names = |range: &[(f64, String)]| range.iter().map(|p| p.1.clone()).collect::<Vec<_>>();
    assert_eq!(
        text(&ok(&mut con, &["OBJECT", "ENCODING", "big"])),
        "skiplist"
    );
    assert_eq!(ok(&mut con, &["ZCARD", "big"]), Value::Int(1000));
    for rank in [0usize, 1, 499, 998, 999] {
        let member = &model[rank].1;
        assert_eq!(
            ok(&mut con, &["ZRANK", "big", member]),
            Value::Int(rank as i64)
        );
        assert_eq!(
            ok(&mut con, &["ZREVRANK", "big", member]),
            Value::Int(999 - rank as i64)
        );
    }
    let got = members(&ok(&mut con, &["ZRANGE", "big", "300", "340"]));
    assert_eq!(got, names(&model[300..=340]));
    let got = members(&ok(&mut con, &["ZRANGE", "big", "-10", "-1", "REV"]));
    let mut want = names(&model[..10]);
    want.reverse();
    assert_eq!(got, want);
    let in_range: Vec<&(f64, String)> = model.iter().filter(|p| p.0 > 5.0 && p.0 <= 10.0).collect();
    let count = ok(&mut con, &["ZCOUNT", "big", "(5", "10"]);
    assert_eq!(count, Value::Int(in_range.len() as i64));
    let got = members(&ok(
        &mut con,
        &["ZRANGEBYSCORE", "big", "(5", "10", "LIMIT", "7", "20"],
    ));
    let want: Vec<String> = in_range
        .iter()
        .skip(7)
        .take(20)
        .map(|p| p.1.clone())
        .collect();
    assert_eq!(got, want);
    let got = members(&ok(
        &mut con,
        &[
            "ZRANGE", "big", "10", "(5", "BYSCORE", "REV", "LIMIT", "0", "3",
        ],
    ));
    let want: Vec<String> = in_range.iter().rev().take(3).map(|p| p.1.clone()).collect();
    assert_eq!(got, want);
    assert_eq!(
        ok(&mut con, &["ZREMRANGEBYRANK", "big", "100", "199"]),
        Value::Int(100)
    );
    model.drain(100..200);
    let got = members(&ok(&mut con, &["ZRANGE", "big", "95", "105"]));
    assert_eq!(got, names(&model[95..=105]));

    // Equal scores: a lexicographical index.
    let words: Vec<(f64, String)> = (0..600).map(|i| (0.0, format!("w{i:03}"))).collect();
    zadd(&mut con, "lex", &words);
    assert_eq!(
        ok(&mut con, &["ZLEXCOUNT", "lex", "[w100", "(w200"]),
        Value::Int(100)
    );
    let got = members(&ok(
        &mut con,
        &["ZRANGEBYLEX", "lex", "(w100", "+", "LIMIT", "0", "3"],
    ));
    assert_eq!(got, ["w101", "w102", "w103"]);
    let got = members(&ok(&mut con, &["ZREVRANGEBYLEX", "lex", "[w002", "-"]));
    assert_eq!(got, ["w002", "w001", "w000"]);
    assert_eq!(
        ok(&mut con, &["ZREMRANGEBYLEX", "lex", "[w500", "+"]),
        Value::Int(100)
    );
    assert_eq!(ok(&mut con, &["ZCARD", "lex"]), Value::Int(500));
}

/// Every member of a skiplist set comes back from a full ZSCAN, with its
/// score, even while other members are removed between calls.
#[test]
fn zscan_visits_every_member_of_a_big_set() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let pairs: Vec<(f64, String)> = (0..500)
        .map(|i| (i as f64 * 1.5, format!("s{i}")))
        .collect();
    zadd(&mut con, "z", &pairs);
    let mut seen = HashSet::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let reply = support::items(&ok(&mut con, &["ZSCAN", "z", &cursor, "COUNT", "20"]));
        cursor = text(&reply[0]);
        let flat = texts(&reply[1]);
        for pair in flat.chunks(2) {
            let i: usize = pair[0][1..].parse().unwrap();
            assert_eq!(pair[1].parse::<f64>().unwrap(), i as f64 * 1.5);
            seen.insert(i);
        }
        // Remove members already seen, which must not hide unseen ones.
        if calls % 3 == 0
            && let Some(&i) = seen.iter().next()
        {
            ok(&mut con, &["ZREM", "z", &format!("s{i}")]);
        }
        calls += 1;
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 500);
    let matched = support::items(&ok(
        &mut con,
        &["ZSCAN", "z", "0", "MATCH", "s49*", "COUNT", "1000"],
    ));
    let flat = texts(&matched[1]);
    assert!(flat.chunks(2).all(|p| p[0].starts_with("s49")), "{flat:?}");
}

/// ZRANDMEMBER: distinct members for a positive count, repeats for a
/// negative one, scores that match, in both encodings.
#[test]
fn zrandmember_picks_members_with_their_scores() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let small: Vec<(f64, String)> = (0..10).map(|i| (i as f64, format!("a{i}"))).collect();
    let large: Vec<(f64, String)> = (0..300).map(|i| (i as f64, format!("b{i}"))).collect();
    zadd(&mut con, "small", &small);
    zadd(&mut con, "large", &large);
    for (key, size, prefix) in [("small", 10, "a"), ("large", 300, "b")] {
        let picked = members(&ok(&mut con, &["ZRANDMEMBER", key, "7"]));
        let distinct: HashSet<&String> = picked.iter().collect();
        assert_eq!((picked.len(), distinct.len()), (7, 7), "{key}");
        let repeated = members(&ok(&mut con, &["ZRANDMEMBER", key, "-50"]));
        assert_eq!(repeated.len(), 50);
        let flat = members(&ok(&mut con, &["ZRANDMEMBER", key, "-20", "WITHSCORES"]));
        for pair in flat.chunks(2) {
            assert_eq!(pair[1], pair[0][1..].to_string(), "{key}");
        }
        let all = members(&ok(&mut con, &["ZRANDMEMBER", key, "1000"]));
        assert_eq!(all.len(), size);
        let one = text(&ok(&mut con, &["ZRANDMEMBER", key]));
        assert!(one.starts_with(prefix), "{one}");
    }
    assert_eq!(
        err(&mut con, &["ZRANDMEMBER", "small", "-10000001"]),
        "ERR value is out of range"
    );
}

#[test]
fn reads_count_keyspace_hits_and_writes_do_not() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["ZADD", "z", "1", "a"]);
    ok(&mut con, &["CONFIG", "RESETSTAT"]);
    for args in [
        &["ZSCORE", "z", "a"][..],
        &["ZCARD", "none"],
        &["ZRANGE", "z", "0", "-1"],
        &["ZUNION", "2", "z", "none"],
        &["ZPOPMIN", "none"],
        &["ZADD", "w", "1", "a"],
        &["ZREM", "z", "nope"],
    ] {
        ok(&mut con, args);
    }
    let stats = aof_support::info(&mut con, "stats");
    assert_eq!(aof_support::info_int(&stats, "keyspace_hits"), 3);
    assert_eq!(aof_support::info_int(&stats, "keyspace_misses"), 2);
}

/// The argv of every record the AOF holds, as text.
fn records(server: &TestServer) -> Vec<Vec<String>> {
    replay_files(&server.dir)
        .iter()
        .flat_map(|f| read_records(f))
        .map(|r| (0..r.argv.len()).map(|i| r.arg(i)).collect())
        .collect()
}

fn all(con: &mut Connection, key: &str) -> Value {
    ok(con, &["ZRANGE", key, "0", "-1", "WITHSCORES"])
}

#[test]
fn the_aof_replays_every_write_and_survives_a_rewrite() {
    let mut server = TestServer::launch_ok(
        temp_dir(),
        &["--appendonly", "yes", "--appendfsync", "always"],
    );
    let mut con = server.conn();
    ok(
        &mut con,
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
    );
    ok(&mut con, &["ZADD", "z", "1", "a"]);
    ok(&mut con, &["ZINCRBY", "z", "0", "a"]);
    ok(&mut con, &["ZADD", "z", "INCR", "0.1", "a"]);
    ok(&mut con, &["ZADD", "z", "GT", "CH", "0", "b", "9", "c"]);
    ok(&mut con, &["ZPOPMIN", "z"]);
    ok(&mut con, &["ZPOPMAX", "z", "2"]);
    ok(&mut con, &["ZMPOP", "2", "none", "z", "MIN", "COUNT", "1"]);
    ok(&mut con, &["ZPOPMIN", "none"]);
    ok(
        &mut con,
        &[
            "ZADD", "y", "-inf", "lo", "inf", "hi", "0.1", "mid", "1e300", "big",
        ],
    );
    ok(&mut con, &["ZREMRANGEBYSCORE", "y", "10", "20"]);
    ok(&mut con, &["ZREMRANGEBYSCORE", "y", "(0", "1"]);
    ok(
        &mut con,
        &["ZUNIONSTORE", "u", "2", "y", "z", "WEIGHTS", "2", "3"],
    );
    ok(&mut con, &["ZRANGESTORE", "r", "y", "0", "0"]);
    ok(&mut con, &["ZRANGESTORE", "gone", "none", "0", "-1"]);
    ok(&mut con, &["ZINTERSTORE", "r", "1", "none"]);
    let logged = records(&server);
    let names: Vec<&str> = logged.iter().map(|r| r[0].as_str()).collect();
    assert!(
        !names
            .iter()
            .any(|n| ["ZPOPMIN", "ZPOPMAX", "ZMPOP", "ZINCRBY"].contains(n)),
        "{logged:?}"
    );
    assert_eq!(
        names.iter().filter(|n| **n == "ZADD").count(),
        4,
        "{logged:?}"
    );
    // ZPOPMIN took a (1.1), ZPOPMAX c (9) and e (5), ZMPOP b (2).
    for popped in [
        &["ZREM", "z", "a"][..],
        &["ZREM", "z", "c", "e"],
        &["ZREM", "z", "b"],
    ] {
        let want: Vec<String> = popped.iter().map(|s| s.to_string()).collect();
        assert!(logged.contains(&want), "{popped:?} in {logged:?}");
    }
    assert_eq!(
        names.iter().filter(|n| **n == "ZREMRANGEBYSCORE").count(),
        1
    );
    assert_eq!(names.iter().filter(|n| **n == "ZRANGESTORE").count(), 1);
    // ZINTERSTORE deleted `r`: logged.
    assert_eq!(names.last(), Some(&"ZINTERSTORE"));
    let keys = ["z", "y", "u", "r"];
    let before: Vec<Value> = keys.iter().map(|k| all(&mut con, k)).collect();
    assert_eq!(before[0], Value::Array(vec![bulk("d"), bulk("4")]));
    let u = [
        ("lo", "-inf"),
        ("d", "12"),
        ("big", "2.0000000000000001e+300"),
        ("hi", "inf"),
    ];
    let want: Vec<Value> = u.iter().flat_map(|(m, s)| [bulk(m), bulk(s)]).collect();
    assert_eq!(before[2], Value::Array(want));

    server.restart();
    let mut con = server.conn();
    let after: Vec<Value> = keys.iter().map(|k| all(&mut con, k)).collect();
    assert_eq!(after, before);

    // A set longer than one rewrite command (64 pairs), and a TTL.
    let pairs: Vec<(f64, String)> = (0..150)
        .map(|i| (i as f64 / 3.0, format!("p{i}")))
        .collect();
    zadd(&mut con, "big", &pairs);
    ok(&mut con, &["PEXPIRE", "y", "100000000"]);
    bgrewrite_and_wait(&mut con);
    let chunks: Vec<usize> = records(&server)
        .iter()
        .filter(|r| r[0] == "ZADD" && r[1] == "big")
        .map(|r| (r.len() - 2) / 2)
        .collect();
    assert_eq!(chunks, [64, 64, 22]);
    ok(&mut con, &["ZADD", "big", "-1", "first"]);
    let big = all(&mut con, "big");
    server.restart();
    let mut con = server.conn();
    assert_eq!(all(&mut con, "big"), big);
    assert_eq!(
        text(&ok(&mut con, &["OBJECT", "ENCODING", "big"])),
        "skiplist"
    );
    let again: Vec<Value> = keys.iter().map(|k| all(&mut con, k)).collect();
    assert_eq!(again, before);
    assert!(support::int(&ok(&mut con, &["PTTL", "y"])) > 0);
}
