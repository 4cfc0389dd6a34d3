//! Real-client flows over the wire: the exact command sequences that
//! Spring Session Data Redis's indexed repository, kombu (Celery's Redis
//! transport), django-redis, Django's RedisCache, connect-redis and
//! Flask-Session send, read from their sources, replayed against the real
//! binary. Expected values are computed here from Redis semantics. The
//! Lua-based flows (redis-py's Lock, django-redis's incr script) live with
//! the scripting tests.

mod common;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::TestServer;
use redis::{Connection, Value};
use support::*;

/// One RESP2 reply read off a raw connection (enough of RESP for pub/sub).
#[derive(Debug, PartialEq)]
enum Resp {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Resp>),
}

/// A raw subscriber connection: sends commands, reads pushed messages.
struct Subscriber {
    reader: BufReader<TcpStream>,
}

impl Subscriber {
    fn new(server: &TestServer) -> Subscriber {
        Subscriber {
            reader: BufReader::new(server.raw()),
        }
    }

    fn send(&mut self, words: &[&str]) {
        let mut frame = format!("*{}\r\n", words.len());
        for w in words {
            frame.push_str(&format!("${}\r\n{w}\r\n", w.len()));
        }
        self.reader.get_mut().write_all(frame.as_bytes()).unwrap();
    }

    fn line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        if line.is_empty() {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line.trim_end_matches("\r\n").to_string())
    }

    fn read(&mut self) -> std::io::Result<Resp> {
        let line = self.line()?;
        let (kind, rest) = line.split_at(1);
        Ok(match kind {
            "+" => Resp::Simple(rest.to_string()),
            "-" => Resp::Error(rest.to_string()),
            ":" => Resp::Int(rest.parse().unwrap()),
            "$" if rest == "-1" => Resp::Bulk(None),
            "$" => {
                let mut buf = vec![0; rest.parse::<usize>().unwrap() + 2];
                self.reader.read_exact(&mut buf)?;
                buf.truncate(buf.len() - 2);
                Resp::Bulk(Some(buf))
            }
            "*" => {
                let n: usize = rest.parse().unwrap();
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.read()?);
                }
                Resp::Array(items)
            }
            other => panic!("unexpected RESP type {other:?} in {line:?}"),
        })
    }

    /// The next `pmessage` as `(pattern, channel, message)`, or `None` when
    /// none arrives within `wait`.
    fn pmessage(&mut self, wait: Duration) -> Option<(String, String, String)> {
        let stream = self.reader.get_ref();
        stream.set_read_timeout(Some(wait)).unwrap();
        let reply = self.read().ok()?;
        let Resp::Array(items) = reply else {
            panic!("not a push: {reply:?}")
        };
        let words: Vec<String> = items
            .into_iter()
            .map(|i| match i {
                Resp::Bulk(Some(b)) => String::from_utf8(b).unwrap(),
                other => panic!("unexpected item {other:?}"),
            })
            .collect();
        assert_eq!(words[0], "pmessage", "{words:?}");
        Some((words[1].clone(), words[2].clone(), words[3].clone()))
    }
}

/// Spring's `roundUpToNextMinute`: the next whole minute after `ms`.
fn round_up_to_next_minute(ms: i64) -> i64 {
    (ms / 60_000 + 1) * 60_000
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// What `RedisIndexedSessionRepository.save` sends for a new session with
/// `max_inactive` seconds (`RedisSessionExpirationPolicy.onExpirationUpdated`).
fn spring_save(con: &mut Connection, id: &str, max_inactive: i64, attr: &[u8]) {
    let key = format!("spring:session:sessions:{id}");
    let now = now_ms();
    // Attribute values are JDK-serialised bytes; any binary value will do.
    let reply = cmd(&[
        b"HMSET".as_slice(),
        key.as_bytes(),
        b"creationTime",
        now.to_string().as_bytes(),
        b"maxInactiveInterval",
        max_inactive.to_string().as_bytes(),
        b"lastAccessedTime",
        now.to_string().as_bytes(),
        b"sessionAttr:user",
        attr,
    ])
    .query::<Value>(con)
    .unwrap();
    assert_eq!(reply, Value::Okay);
    // The "created" event Spring publishes for a new session (one
    // listener: the test's subscriber).
    let created = format!("spring:session:event:0:created:{id}");
    assert_eq!(query_int(con, &["PUBLISH", &created, "{}"]), 1);
    let expiring = round_up_to_next_minute(now + max_inactive * 1000);
    let expirations = format!("spring:session:expirations:{expiring}");
    let expires_member = format!("expires:{id}");
    let five_after = (max_inactive + 300).to_string();
    assert_eq!(query_int(con, &["SADD", &expirations, &expires_member]), 1);
    assert_eq!(query_int(con, &["EXPIRE", &expirations, &five_after]), 1);
    let expires_key = format!("spring:session:sessions:expires:{id}");
    assert_eq!(query_int(con, &["APPEND", &expires_key, ""]), 0);
    assert_eq!(
        query_int(con, &["EXPIRE", &expires_key, &max_inactive.to_string()]),
        1
    );
    assert_eq!(query_int(con, &["EXPIRE", &key, &five_after]), 1);
}

#[test]
fn spring_session_indexed_repository() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    // ConfigureNotifyKeyspaceEventsAction: read the flags, add E, g, x.
    let current = texts(&ok(&mut con, &["CONFIG", "GET", "notify-keyspace-events"]));
    assert_eq!(current, ["notify-keyspace-events", ""]);
    ok(
        &mut con,
        &["CONFIG", "SET", "notify-keyspace-events", "Egx"],
    );
    let flags = texts(&ok(&mut con, &["CONFIG", "GET", "notify-keyspace-events"]));
    assert_eq!(
        flags[1].chars().collect::<std::collections::BTreeSet<_>>(),
        "Egx".chars().collect()
    );

    // The listener container's patterns.
    let mut sub = Subscriber::new(&server);
    sub.send(&[
        "PSUBSCRIBE",
        "__keyevent@*__:del",
        "__keyevent@*__:expired",
        "spring:session:event:0:created:*",
    ]);
    for n in 1..=3 {
        let Resp::Array(confirm) = sub.read().unwrap() else {
            panic!("no psubscribe confirmation")
        };
        assert_eq!(confirm[0], Resp::Bulk(Some(b"psubscribe".to_vec())));
        assert_eq!(confirm[2], Resp::Int(n));
    }

    let attr = [0xac, 0xed, 0x00, 0x05, 0x74, 0x00, 0x03, b'b', b'o', b'b'];
    spring_save(&mut con, "s1", 1, &attr);
    spring_save(&mut con, "s2", 1800, &attr);
    assert_eq!(
        sub.pmessage(Duration::from_secs(2)),
        Some((
            "spring:session:event:0:created:*".into(),
            "spring:session:event:0:created:s1".into(),
            "{}".into()
        ))
    );
    assert_eq!(
        sub.pmessage(Duration::from_secs(2)).map(|m| m.1),
        Some("spring:session:event:0:created:s2".into())
    );
    let saved_at = Instant::now();
    let expires_key = "spring:session:sessions:expires:s1";
    assert_eq!(query_int(&mut con, &["TTL", expires_key]), 1);
    assert_eq!(
        query_int(&mut con, &["TTL", "spring:session:sessions:s1"]),
        301
    );
    assert_eq!(text(&ok(&mut con, &["TYPE", expires_key])), "string");

    // Nobody touches the key: active expiry must announce it on time.
    let (pattern, channel, key) = sub
        .pmessage(Duration::from_secs(3))
        .expect("the expired event arrives without the key being read");
    let elapsed = saved_at.elapsed();
    assert_eq!(pattern, "__keyevent@*__:expired");
    assert_eq!(channel, "__keyevent@0__:expired");
    assert_eq!(key, expires_key);
    assert!(elapsed >= Duration::from_millis(800), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");

    // The repository reads the session (still there for 5 more minutes) to
    // publish SessionExpiredEvent, then deletes it as deleteById does.
    let session = fields_of(&ok(&mut con, &["HGETALL", "spring:session:sessions:s1"]));
    assert_eq!(session.len(), 4);
    assert_eq!(session["maxInactiveInterval"], b"1");
    assert_eq!(session["sessionAttr:user"], attr);
    let members = ok(&mut con, &["KEYS", "spring:session:expirations:*"]);
    assert_eq!(items(&members).len(), 2);
    ok(&mut con, &["DEL", expires_key]);
    assert_eq!(
        query_int(&mut con, &["DEL", "spring:session:sessions:s1"]),
        1
    );
    assert_eq!(
        sub.pmessage(Duration::from_secs(2)),
        Some((
            "__keyevent@*__:del".into(),
            "__keyevent@0__:del".into(),
            "spring:session:sessions:s1".into()
        ))
    );

    // Explicit invalidation of s2: SREM from its minute set, DEL the
    // expires key and the session.
    let s2 = fields_of(&ok(&mut con, &["HGETALL", "spring:session:sessions:s2"]));
    let last: i64 = String::from_utf8(s2["lastAccessedTime"].clone())
        .unwrap()
        .parse()
        .unwrap();
    let minute = round_up_to_next_minute(last + 1_800_000);
    let set = format!("spring:session:expirations:{minute}");
    assert_eq!(query_int(&mut con, &["SREM", &set, "expires:s2"]), 1);
    // Its last member gone, the minute set is deleted: a `del` event too.
    assert_eq!(
        sub.pmessage(Duration::from_secs(2)).map(|m| m.2),
        Some(set.clone())
    );
    assert_eq!(
        query_int(&mut con, &["DEL", "spring:session:sessions:expires:s2"]),
        1
    );
    assert_eq!(
        sub.pmessage(Duration::from_secs(2)).map(|m| m.2),
        Some("spring:session:sessions:expires:s2".into())
    );
    assert_eq!(
        query_int(&mut con, &["DEL", "spring:session:sessions:s2"]),
        1
    );
    assert_eq!(
        sub.pmessage(Duration::from_secs(2)).map(|m| m.2),
        Some("spring:session:sessions:s2".into())
    );
    // Nothing else was announced (SADD/APPEND/HSET are not in Egx).
    assert_eq!(sub.pmessage(Duration::from_millis(300)), None);
}

/// A RESP2 map reply (flat array) as field → value bytes.
fn fields_of(v: &Value) -> std::collections::BTreeMap<String, Vec<u8>> {
    let list = items(v);
    list.chunks(2)
        .map(|pair| (text(&pair[0]), bytes(&pair[1])))
        .collect()
}

/// kombu's queue names: `queue` for priority 0, then `queue\x06\x16<pri>`
/// for its `PRIORITY_STEPS` 3, 6, 9, in the order `_brpop_start` lists them.
fn kombu_queues(queue: &str) -> Vec<String> {
    [0, 3, 6, 9]
        .iter()
        .map(|&pri| {
            if pri == 0 {
                queue.to_string()
            } else {
                format!("{queue}\x06\x16{pri}")
            }
        })
        .collect()
}

fn brpop(con: &mut Connection, keys: &[String], timeout: &str) -> Value {
    let mut words: Vec<&str> = vec!["BRPOP"];
    words.extend(keys.iter().map(String::as_str));
    words.push(timeout);
    ok(con, &words)
}

fn kombu_message(body: &str, priority: u8) -> String {
    format!(
        "{{\"body\": \"{body}\", \"content-encoding\": \"utf-8\", \"content-type\": \"application/json\", \"headers\": {{}}, \"properties\": {{\"priority\": {priority}, \"delivery_tag\": \"tag-{body}\", \"delivery_info\": {{\"exchange\": \"\", \"routing_key\": \"celery\"}}}}}}"
    )
}

#[test]
fn kombu_brpop_across_priority_queues() {
    let server = TestServer::start(&[]);
    let mut worker = server.conn();
    let mut producer = server.conn();
    let queues = kombu_queues("celery");

    // Timeout on empty queues: a nil reply after about the timeout.
    let started = Instant::now();
    assert_eq!(brpop(&mut worker, &queues, "1"), Value::Nil);
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A blocked worker gets the message a producer pushes later.
    let message = kombu_message("job-1", 6);
    let waiting = std::thread::spawn({
        let queues = queues.clone();
        let mut con = server.conn();
        move || brpop(&mut con, &queues, "5")
    });
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        query_int(&mut producer, &["LPUSH", &queues[2], &message]),
        1
    );
    let got = waiting.join().unwrap();
    assert_eq!(texts(&got), [queues[2].clone(), message.clone()]);

    // Several non-empty queues: the first listed key wins, its oldest
    // message (LPUSH + BRPOP = FIFO) first.
    for (queue, body) in [(3, "low"), (1, "mid-1"), (1, "mid-2"), (0, "high")] {
        query_int(
            &mut producer,
            &["LPUSH", &queues[queue], &kombu_message(body, 0)],
        );
    }
    let order: Vec<String> = (0..4)
        .map(|_| texts(&brpop(&mut worker, &queues, "1"))[0].clone())
        .collect();
    assert_eq!(order, [&*queues[0], &queues[1], &queues[1], &queues[3]]);
    assert_eq!(brpop(&mut worker, &queues, "0.1"), Value::Nil);

    // QoS.append: MULTI; ZADD unacked_index; HSET unacked; EXEC.
    let delivered = [
        ("tag-a", 1_700_000_000.25),
        ("tag-b", 1_700_000_100.5),
        ("tag-c", 1_700_000_200.75),
    ];
    for (tag, at) in delivered {
        let payload = format!("[{}, \"\", \"celery\"]", kombu_message(tag, 0));
        let replies: Vec<Value> = redis::pipe()
            .atomic()
            .cmd("ZADD")
            .arg("unacked_index")
            .arg(at)
            .arg(tag)
            .cmd("HSET")
            .arg("unacked")
            .arg(tag)
            .arg(&payload)
            .query(&mut worker)
            .unwrap();
        assert_eq!(replies, [Value::Int(1), Value::Int(1)]);
    }
    // restore_visible: the mutex, then the oldest-first window of tags
    // older than the visibility timeout.
    let mutex = ok(
        &mut worker,
        &["SET", "unacked_mutex", "lock-id", "NX", "EX", "300"],
    );
    assert_eq!(mutex, Value::Okay);
    assert_eq!(
        ok(
            &mut worker,
            &["SET", "unacked_mutex", "other", "NX", "EX", "300"]
        ),
        Value::Nil
    );
    let ceil = "1700000150";
    let visible = ok(
        &mut worker,
        &[
            "ZREVRANGEBYSCORE",
            "unacked_index",
            ceil,
            "0",
            "LIMIT",
            "0",
            "10",
            "WITHSCORES",
        ],
    );
    assert_eq!(
        texts(&visible),
        ["tag-b", "1700000100.5", "tag-a", "1700000000.25"]
    );
    // restore_by_tag: WATCH unacked; HGET; MULTI; ZREM; HDEL; LPUSH; EXEC.
    ok(&mut worker, &["WATCH", "unacked"]);
    let payload = text(&ok(&mut worker, &["HGET", "unacked", "tag-b"]));
    assert!(payload.contains("tag-b"));
    let replies: Vec<Value> = redis::pipe()
        .atomic()
        .cmd("ZREM")
        .arg("unacked_index")
        .arg("tag-b")
        .cmd("HDEL")
        .arg("unacked")
        .arg("tag-b")
        .cmd("LPUSH")
        .arg(&queues[0])
        .arg(&payload)
        .query(&mut worker)
        .unwrap();
    assert_eq!(replies, [Value::Int(1), Value::Int(1), Value::Int(1)]);
    // Mutex release: WATCH, GET, MULTI, DEL, EXEC.
    ok(&mut worker, &["WATCH", "unacked_mutex"]);
    assert_eq!(text(&ok(&mut worker, &["GET", "unacked_mutex"])), "lock-id");
    let replies: Vec<Value> = redis::pipe()
        .atomic()
        .cmd("DEL")
        .arg("unacked_mutex")
        .query(&mut worker)
        .unwrap();
    assert_eq!(replies, [Value::Int(1)]);
    // ack: MULTI; ZREM; HDEL; EXEC.
    let replies: Vec<Value> = redis::pipe()
        .atomic()
        .cmd("ZREM")
        .arg("unacked_index")
        .arg("tag-a")
        .cmd("HDEL")
        .arg("unacked")
        .arg("tag-a")
        .query(&mut worker)
        .unwrap();
    assert_eq!(replies, [Value::Int(1), Value::Int(1)]);
    assert_eq!(query_int(&mut worker, &["ZCARD", "unacked_index"]), 1);
    assert_eq!(texts(&ok(&mut worker, &["HKEYS", "unacked"])), ["tag-c"]);
    assert_eq!(
        texts(&brpop(&mut worker, &queues, "1")),
        [queues[0].clone(), payload]
    );

    // A watched key changed by another client aborts the restore.
    ok(&mut worker, &["WATCH", "unacked"]);
    query_int(&mut producer, &["HSET", "unacked", "tag-d", "x"]);
    let aborted: Option<Vec<Value>> = redis::pipe()
        .atomic()
        .cmd("HDEL")
        .arg("unacked")
        .arg("tag-c")
        .query(&mut worker)
        .unwrap();
    assert_eq!(aborted, None);
    assert_eq!(query_int(&mut worker, &["HLEN", "unacked"]), 2);
}

#[test]
fn django_redis_cache() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    // django-redis keys are ":<version>:<key>" under the KEY_PREFIX.
    let key = |k: &str| format!("app:1:{k}");
    // cache.add → SET NX PX; a second add is refused.
    let k = key("a");
    assert_eq!(
        ok(&mut con, &["SET", &k, "1", "NX", "PX", "300000"]),
        Value::Okay
    );
    assert_eq!(
        ok(&mut con, &["SET", &k, "2", "NX", "PX", "300000"]),
        Value::Nil
    );
    let pttl = query_int(&mut con, &["PTTL", &k]);
    assert!((299_000..=300_000).contains(&pttl), "{pttl}");
    // cache.set with timeout None → plain SET; cache.get_many → MGET.
    ok(&mut con, &["SET", &key("b"), "2"]);
    let many = ok(&mut con, &["MGET", &key("a"), &key("b"), &key("missing")]);
    assert_eq!(items(&many), [bulk("1"), bulk("2"), Value::Nil]);
    // ttl / persist / expire (touch).
    assert_eq!(query_int(&mut con, &["TTL", &key("b")]), -1);
    assert_eq!(query_int(&mut con, &["TTL", &key("missing")]), -2);
    assert_eq!(query_int(&mut con, &["EXPIRE", &key("b"), "60"]), 1);
    assert_eq!(query_int(&mut con, &["TTL", &key("b")]), 60);
    assert_eq!(query_int(&mut con, &["PERSIST", &key("b")]), 1);
    assert_eq!(query_int(&mut con, &["TTL", &key("b")]), -1);
    // cache.incr on a plain integer value (non-script path): INCR/INCRBY.
    ok(&mut con, &["SET", &key("n"), "10"]);
    assert_eq!(query_int(&mut con, &["INCR", &key("n")]), 11);
    assert_eq!(query_int(&mut con, &["INCRBY", &key("n"), "-4"]), 7);
    // delete_pattern: SCAN MATCH + DEL in batches.
    for i in 0..250 {
        ok(&mut con, &["SET", &key(&format!("session:{i}")), "x"]);
    }
    ok(&mut con, &["SET", &key("keep"), "y"]);
    let mut cursor = "0".to_string();
    let mut deleted = 0;
    loop {
        let reply = ok(
            &mut con,
            &["SCAN", &cursor, "MATCH", &key("session:*"), "COUNT", "100"],
        );
        let parts = items(&reply);
        cursor = text(&parts[0]);
        let found = texts(&parts[1]);
        if !found.is_empty() {
            let mut words = vec!["DEL"];
            words.extend(found.iter().map(String::as_str));
            deleted += query_int(&mut con, &words);
        }
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(deleted, 250);
    assert_eq!(query_int(&mut con, &["EXISTS", &key("keep")]), 1);
    // a, b, n and keep are left.
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 4);
}

#[test]
fn django_core_redis_cache() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    // set(key, value, timeout=300) → SET key value EX 300
    ok(&mut con, &["SET", ":1:greeting", "hello", "EX", "300"]);
    assert_eq!(query_int(&mut con, &["TTL", ":1:greeting"]), 300);
    assert_eq!(ok(&mut con, &["GET", ":1:greeting"]), bulk("hello"));
    assert_eq!(query_int(&mut con, &["EXISTS", ":1:greeting"]), 1);
    // set_many → a pipeline of SET ... EX (not a transaction).
    let mut pipe = redis::pipe();
    for i in 0..5 {
        pipe.cmd("SET")
            .arg(format!(":1:k{i}"))
            .arg(i * i)
            .arg("EX")
            .arg(60);
    }
    let replies: Vec<Value> = pipe.query(&mut con).unwrap();
    assert_eq!(replies, vec![Value::Okay; 5]);
    let got = ok(
        &mut con,
        &["MGET", ":1:k0", ":1:k1", ":1:k2", ":1:k3", ":1:k4"],
    );
    assert_eq!(texts(&got), ["0", "1", "4", "9", "16"]);
    // incr(key, delta) → EXISTS check then INCRBY.
    assert_eq!(query_int(&mut con, &["INCRBY", ":1:k3", "5"]), 14);
    assert_eq!(query_int(&mut con, &["INCRBY", ":1:k3", "-20"]), -6);
    // delete / delete_many → DEL; the count says what existed.
    assert_eq!(query_int(&mut con, &["DEL", ":1:greeting"]), 1);
    assert_eq!(
        query_int(&mut con, &["DEL", ":1:k0", ":1:k1", ":1:nope"]),
        2
    );
    assert_eq!(query_int(&mut con, &["EXISTS", ":1:greeting"]), 0);
    assert_eq!(ok(&mut con, &["GET", ":1:greeting"]), Value::Nil);
}

#[test]
fn connect_redis_sessions() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let sess = r#"{"cookie":{"originalMaxAge":86400000,"httpOnly":true,"path":"/"},"user":"ann"}"#;
    // set → SET sess:<sid> <json> EX <ttl seconds>
    for sid in ["a", "b", "c"] {
        ok(
            &mut con,
            &["SET", &format!("sess:{sid}"), sess, "EX", "86400"],
        );
    }
    ok(&mut con, &["SET", "other:key", "x"]);
    assert_eq!(ok(&mut con, &["GET", "sess:a"]), bulk(sess));
    // touch → EXPIRE sess:<sid> <ttl>
    assert_eq!(query_int(&mut con, &["EXPIRE", "sess:a", "100"]), 1);
    assert_eq!(query_int(&mut con, &["TTL", "sess:a"]), 100);
    // all / length / ids → SCAN 0 MATCH sess:* COUNT 100, then MGET.
    let mut cursor = "0".to_string();
    let mut keys = Vec::new();
    loop {
        let reply = ok(
            &mut con,
            &["SCAN", &cursor, "MATCH", "sess:*", "COUNT", "100"],
        );
        let parts = items(&reply);
        cursor = text(&parts[0]);
        keys.extend(texts(&parts[1]));
        if cursor == "0" {
            break;
        }
    }
    keys.sort();
    assert_eq!(keys, ["sess:a", "sess:b", "sess:c"]);
    let mut words = vec!["MGET"];
    words.extend(keys.iter().map(String::as_str));
    assert_eq!(texts(&ok(&mut con, &words)), [sess, sess, sess]);
    // destroy → DEL sess:<sid>
    assert_eq!(query_int(&mut con, &["DEL", "sess:b"]), 1);
    assert_eq!(ok(&mut con, &["GET", "sess:b"]), Value::Nil);
    // clear → DEL of every key the SCAN found.
    assert_eq!(
        query_int(&mut con, &["DEL", "sess:a", "sess:b", "sess:c"]),
        2
    );
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 1);
}

#[test]
fn flask_session() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    // save_session → SETEX session:<sid> <seconds> <pickled bytes>
    let pickled: &[u8] = &[
        0x80, 0x04, 0x95, 0x10, 0x00, 0x7d, 0x94, 0x8c, 0x01, b'x', 0x94, 0x4b, 0x01, 0x73, 0x2e,
    ];
    let reply: Value = cmd(&[b"SETEX".as_slice(), b"session:abc", b"2678400", pickled])
        .query(&mut con)
        .unwrap();
    assert_eq!(reply, Value::Okay);
    assert_eq!(query_int(&mut con, &["TTL", "session:abc"]), 2_678_400);
    let got = call(&mut con, &[b"GET", b"session:abc"]).unwrap();
    assert_eq!(bytes(&got), pickled);
    // An invalid expiry is refused as Redis refuses it.
    assert_eq!(
        err(&mut con, &["SETEX", "session:bad", "0", "x"]),
        "ERR invalid expire time in 'setex' command"
    );
    // delete_session → DEL
    assert_eq!(query_int(&mut con, &["DEL", "session:abc"]), 1);
    assert_eq!(ok(&mut con, &["GET", "session:abc"]), Value::Nil);
}
