//! redis-benchmark's own suite (`-q -n 10000`) against the real binary: every default
//! test reports a rate and none reports an error, in RESP2, pipelined
//! (`-P 16`) and RESP3 (`-3`). Needs `redis-benchmark` (package
//! `redis-tools`, which `.ci/run` installs); without it the test says so
//! and passes, since it then checks nothing.

mod common;

use std::process::Command;

use common::TestServer;

/// The tests redis-benchmark 7.0 runs by default (`-t` not given).
const DEFAULT_SUITE: &[&str] = &[
    "PING_INLINE",
    "PING_MBULK",
    "SET",
    "GET",
    "INCR",
    "LPUSH",
    "RPUSH",
    "LPOP",
    "RPOP",
    "SADD",
    "HSET",
    "SPOP",
    "ZADD",
    "ZPOPMIN",
    "LRANGE_100",
    "LRANGE_300",
    "LRANGE_500",
    "LRANGE_600",
    "MSET",
];

#[test]
fn the_default_suite_runs_without_errors() {
    if Command::new("redis-benchmark")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("redis-benchmark is not installed (apt-get install redis-tools): skipped");
        return;
    }
    let server = TestServer::start(&[]);
    for extra in [&[][..], &["-P", "16"][..], &["-3"][..]] {
        let out = Command::new("redis-benchmark")
            .args(["-p", &server.port.to_string(), "-q", "-n", "10000", "--csv"])
            .args(extra)
            .output()
            .expect("redis-benchmark runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{extra:?}: {stderr}");
        assert!(
            !stdout.to_lowercase().contains("error") && !stderr.to_lowercase().contains("error"),
            "{extra:?} reported an error:\n{stdout}\n{stderr}"
        );
        assert!(!stderr.contains("WARNING"), "{extra:?}: {stderr}");
        for test in DEFAULT_SUITE {
            // CSV lines: "TEST","rps","avg",...; LRANGE_N and MSET carry
            // a description after the name.
            let line = stdout
                .lines()
                .find(|l| l.starts_with(&format!("\"{test}")))
                .unwrap_or_else(|| panic!("{extra:?}: no result for {test}:\n{stdout}"));
            let rate: f64 = line
                .split(',')
                .nth(1)
                .map(|r| r.trim_matches('"'))
                .and_then(|r| r.parse().ok())
                .unwrap_or_else(|| panic!("{extra:?}: no rate in {line}"));
            assert!(rate > 0.0, "{extra:?}: {line}");
        }
    }
}
