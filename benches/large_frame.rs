//! What a ~100 MB frame costs in framekv: load, one op, undo, summary.
//!
//! Builds the large CSV with `../shared/data/make-large.sh` (882,640 rows x
//! 16 columns, about 105 MB), starts the real `framekv-server` on a free
//! port, and times each command end to end over TCP (client-side wall time,
//! payload transfer included). Run with:
//!
//! ```text
//! cargo bench --profile dev --bench large_frame
//! ```

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let work = std::env::temp_dir().join(format!("framekv-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temp dir");
    let csv_path = work.join("large.csv");
    build_large_csv(&data, &csv_path);
    let payload = std::fs::read(&csv_path).expect("large csv readable");

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_framekv-server"))
        .args(["--port", &port.to_string(), "--appendonly", "no", "--dir"])
        .arg(&work)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let mut con = connect(port);

    let sid: String = redis::cmd("SESSION.CREATE")
        .query(&mut con)
        .expect("session");
    println!("large frame: {} bytes of CSV", payload.len());
    time("FRAME.LOAD csv", || {
        redis::cmd("FRAME.LOAD")
            .arg(&sid)
            .arg("stops")
            .arg("FORMAT")
            .arg("csv")
            .arg("DATA")
            .arg(&payload)
            .exec(&mut con)
    });
    time("FRAME.APPLY fill_missing (one column)", || {
        redis::cmd("FRAME.APPLY")
            .arg(&sid)
            .arg("stops")
            .arg(r#"{"action":"fill_missing","params":{"columns":["citationIssued"],"method":"value","value":"NO"}}"#)
            .exec(&mut con)
    });
    time("FRAME.APPLY filter", || {
        redis::cmd("FRAME.APPLY")
            .arg(&sid)
            .arg("stops")
            .arg(r#"{"action":"filter","params":{"where":"policePrecinct = 3"}}"#)
            .exec(&mut con)
    });
    time("FRAME.APPLY change_type (text to datetime)", || {
        redis::cmd("FRAME.APPLY")
            .arg(&sid)
            .arg("stops")
            .arg(r#"{"action":"change_type","params":{"column":"date","dtype":"datetime"}}"#)
            .exec(&mut con)
    });
    // Back past the filter, so summary and export see all 882,640 rows.
    time("FRAME.UNDO 2 steps", || {
        redis::cmd("FRAME.UNDO")
            .arg(&sid)
            .arg("stops")
            .arg(2)
            .exec(&mut con)
    });
    time("FRAME.SUMMARY", || {
        redis::cmd("FRAME.SUMMARY")
            .arg(&sid)
            .arg("stops")
            .exec(&mut con)
    });
    time("FRAME.ROWS (100 rows, json)", || {
        redis::cmd("FRAME.ROWS")
            .arg(&sid)
            .arg("stops")
            .exec(&mut con)
    });
    time("FRAME.EXPORT parquet", || {
        redis::cmd("FRAME.EXPORT")
            .arg(&sid)
            .arg("stops")
            .arg("FORMAT")
            .arg("parquet")
            .exec(&mut con)
    });
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query(&mut con)
        .unwrap_or_default();
    if let Some(line) = info.lines().find(|l| l.starts_with("used_memory_human")) {
        println!("server {line}");
    }

    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&work);
}

fn build_large_csv(data: &Path, out: &PathBuf) {
    let status = Command::new("sh")
        .arg(data.join("make-large.sh"))
        .arg(out)
        .status()
        .expect("make-large.sh runs");
    assert!(status.success(), "make-large.sh failed");
}

fn connect(port: u16) -> redis::Connection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match client.get_connection() {
            Ok(con) => return con,
            Err(e) if Instant::now() > deadline => panic!("server did not start: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn time(label: &str, f: impl FnOnce() -> redis::RedisResult<()>) {
    let started = Instant::now();
    let result = f();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(()) => println!("{label:<40} {ms:>10.1} ms"),
        Err(e) => println!("{label:<40} {ms:>10.1} ms  (error: {e})"),
    }
}
