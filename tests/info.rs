//! INFO against the real binary: default and selected sections, the text
//! format, RESP3 verbatim replies, Commandstats and Errorstats (Redis 7.0).

mod common;
mod info_text;

use std::io::{Read, Write};

use common::TestServer;
use info_text::{info, parse_info};
use redis::Value;

fn err_text(result: redis::RedisResult<Value>) -> String {
    match result {
        Err(e) => format!("{} {}", e.code().unwrap_or(""), e.detail().unwrap_or("")),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}
#[test]
fn info_default_lists_redis_sections_and_framekv_fields() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let text = info(&mut con, &[]);
    let sections = parse_info(&text);
    for title in [
        "Server",
        "Clients",
        "Memory",
        "Persistence",
        "Stats",
        "Replication",
        "CPU",
        "Keyspace",
        "Sessions",
    ] {
        assert!(
            sections.contains_key(title),
            "INFO lacks # {title}:\n{text}"
        );
    }
    assert!(
        !sections.contains_key("Commandstats"),
        "commandstats is not a default section"
    );
    let s = &sections["Server"];
    assert_eq!(s["redis_version"], "7.0.15");
    assert_eq!(s["server_name"], "framekv");
    assert_eq!(s["framekv_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(s["redis_mode"], "standalone");
    assert_eq!(s["arch_bits"], "64");
    assert_eq!(s["tcp_port"], server.port.to_string());
    assert_eq!(s["process_id"], server.pid().to_string());
    assert!(s["uptime_in_seconds"].parse::<u64>().unwrap() < 600);
    assert_eq!(s["run_id"].len(), 40);
    assert_eq!(sections["Replication"]["role"], "master");
    assert_eq!(sections["Cluster"]["cluster_enabled"], "0");
    assert!(
        sections["Clients"]["connected_clients"]
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(sections["Memory"]["maxmemory_policy"], "noeviction");
    assert_eq!(sections["Persistence"]["loading"], "0");
    // The text sections are separated by exactly one blank line.
    assert!(text.starts_with("# Server\r\n"));
    assert!(text.contains("\r\n\r\n# Clients\r\n"));
}
#[test]
fn info_selects_sections_case_insensitively_in_fixed_order() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let one = parse_info(&info(&mut con, &["SERVER"]));
    assert_eq!(one.keys().collect::<Vec<_>>(), ["Server"]);
    let text = info(&mut con, &["keyspace", "Clients"]);
    assert!(
        text.starts_with("# Clients\r\n"),
        "fixed order, got {text:?}"
    );
    assert_eq!(parse_info(&text).len(), 2);
    assert_eq!(info(&mut con, &["nosuchsection"]), "");
    let all = parse_info(&info(&mut con, &["all"]));
    assert!(all.contains_key("Commandstats") && all.contains_key("Sessions"));
    let everything = parse_info(&info(&mut con, &["everything"]));
    assert_eq!(everything.len(), all.len());
    let sessions = parse_info(&info(&mut con, &["sessions"]));
    assert!(sessions.contains_key("Sessions"));
}
#[test]
fn info_over_resp3_is_a_verbatim_text_string() {
    let server = TestServer::start(&[]);
    let mut con = server.conn_resp3();
    let value: Value = redis::cmd("INFO").arg("server").query(&mut con).unwrap();
    match value {
        Value::VerbatimString { format, text } => {
            assert_eq!(format, redis::VerbatimFormat::Text);
            assert!(text.contains("redis_version:7.0.15\r\n"));
        }
        other => panic!("expected a verbatim string, got {other:?}"),
    }
}
#[test]
fn commandstats_count_calls_rejections_and_failures_per_subcommand() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    for _ in 0..3 {
        let _: Value = redis::cmd("CONFIG")
            .arg("GET")
            .arg("hz")
            .query(&mut con)
            .unwrap();
    }
    let _ = err_text(redis::cmd("CONFIG").arg("GET").query(&mut con));
    let _ = err_text(
        redis::cmd("CONFIG")
            .arg("SET")
            .arg("hz")
            .arg("nope")
            .query(&mut con),
    );
    let stats = parse_info(&info(&mut con, &["commandstats"]));
    let line = &stats["Commandstats"]["cmdstat_config|get"];
    assert!(line.starts_with("calls=3,usec="), "{line}");
    assert!(line.ends_with(",rejected_calls=1,failed_calls=0"), "{line}");
    let set_line = &stats["Commandstats"]["cmdstat_config|set"];
    assert!(
        set_line.starts_with("calls=1,") && set_line.ends_with("rejected_calls=0,failed_calls=1"),
        "{set_line}"
    );
    // usec_per_call has two decimals.
    let per_call = line
        .split(',')
        .find_map(|f| f.strip_prefix("usec_per_call="))
        .unwrap();
    assert_eq!(
        per_call.split('.').nth(1).map(str::len),
        Some(2),
        "{per_call}"
    );
}
#[test]
fn info_errorstats_counts_error_replies_by_code() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    // Three ERR replies: unknown command, wrong arity, unknown subcommand.
    let _ = err_text(redis::cmd("NOSUCHCOMMAND").query(&mut con));
    let _ = err_text(redis::cmd("GET").query(&mut con));
    let _ = err_text(redis::cmd("CONFIG").arg("NOSUCH").query(&mut con));
    // Other codes: a new connection after `requirepass` is set is refused
    // (`NOAUTH`), then a wrong password (`WRONGPASS`); as in Redis 7.0 the
    // code is the error's first word.
    let _: () = redis::cmd("CONFIG")
        .arg(&["SET", "requirepass", "secret"])
        .query(&mut con)
        .unwrap();
    let mut raw = server.raw();
    raw.write_all(b"GET k\r\nAUTH wrong\r\nAUTH secret\r\n")
        .unwrap();
    let expected = "-NOAUTH Authentication required.\r\n\
        -WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n";
    let mut buf = vec![0u8; expected.len()];
    raw.read_exact(&mut buf).unwrap();
    assert_eq!(String::from_utf8_lossy(&buf), expected);

    let text = info(&mut con, &["errorstats"]);
    assert_eq!(
        text,
        "# Errorstats\r\nerrorstat_ERR:count=3\r\nerrorstat_NOAUTH:count=1\r\n\
         errorstat_WRONGPASS:count=1\r\n"
    );

    // Errorstats is a default section, between Modules and Cluster; in
    // `INFO all` it follows Commandstats.
    let default = info(&mut con, &[]);
    assert!(
        default.contains("\r\n# Errorstats\r\nerrorstat_ERR:count=3\r\n"),
        "{default}"
    );
    assert!(default.contains("errorstat_WRONGPASS:count=1\r\n\r\n# Cluster\r\n"));
    let all = info(&mut con, &["all"]);
    assert!(all.find("# Commandstats").unwrap() < all.find("# Errorstats").unwrap());

    // CONFIG RESETSTAT empties it.
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut con)
        .unwrap();
    assert_eq!(info(&mut con, &["errorstats"]), "# Errorstats\r\n");
}
