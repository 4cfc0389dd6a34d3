//! Test harness: starts the real `framekv-server` binary on a free port in a
//! temporary directory and hands out clients. The server is killed when the
//! [`TestServer`] is dropped.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `framekv-server` child process.
pub struct TestServer {
    /// The TCP port it listens on (127.0.0.1).
    pub port: u16,
    /// Its working directory (`--dir`), removed on drop.
    pub dir: PathBuf,
    child: Child,
}

/// The shared datasets directory (`../shared/data` next to the repository).
pub fn data_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for candidate in [root.join("../shared/data"), root.join("shared/data")] {
        if candidate.exists() {
            return candidate;
        }
    }
    panic!("datasets not found next to {}", root.display());
}

/// The bytes of a dataset file, e.g. `data_file("titanic.csv")`.
pub fn data_file(name: &str) -> Vec<u8> {
    std::fs::read(data_dir().join(name)).expect("dataset readable")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh, empty temporary directory (not removed automatically).
pub fn temp_dir() -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("framekv-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl TestServer {
    /// Starts a server with the test defaults (`--appendonly no`) plus `args`
    /// (`&["--frame-history-max", "3"]`), and waits until it answers PING.
    pub fn start(args: &[&str]) -> TestServer {
        Self::start_in(temp_dir(), args)
    }

    /// Like [`TestServer::start`] with a chosen working directory.
    pub fn start_in(dir: PathBuf, args: &[&str]) -> TestServer {
        Self::start_with(None, dir, args)
    }

    /// Like [`TestServer::start`], reading `config_file` first (the
    /// command-line options still override it).
    pub fn start_with_config(config_file: &Path, args: &[&str]) -> TestServer {
        Self::start_with(Some(config_file), temp_dir(), args)
    }

    fn start_with(config_file: Option<&Path>, dir: PathBuf, args: &[&str]) -> TestServer {
        for _attempt in 0..5 {
            let port = free_port();
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_framekv-server"));
            if let Some(file) = config_file {
                cmd.arg(file);
            }
            cmd.arg("--port")
                .arg(port.to_string())
                .arg("--dir")
                .arg(&dir)
                .arg("--appendonly")
                .arg("no")
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let child = cmd.spawn().expect("framekv-server starts");
            let mut server = TestServer {
                port,
                dir: dir.clone(),
                child,
            };
            if server.wait_ready(Duration::from_secs(20)) {
                return server;
            }
            let _ = server.child.kill();
            let _ = server.child.wait();
        }
        panic!("framekv-server did not start");
    }

    fn wait_ready(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                if s.write_all(b"PING\r\n").is_ok() {
                    let mut buf = [0u8; 7];
                    // A server with `requirepass` answers NOAUTH: ready all the same.
                    if s.read_exact(&mut buf).is_ok()
                        && (&buf == b"+PONG\r\n" || &buf == b"-NOAUTH")
                    {
                        return true;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A synchronous RESP2 connection.
    pub fn conn(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection()
            .expect("connect")
    }

    /// A synchronous RESP3 connection (the client sends `HELLO 3`).
    pub fn conn_resp3(&self) -> redis::Connection {
        redis::Client::open(format!("{}?protocol=resp3", self.url()))
            .unwrap()
            .get_connection()
            .expect("connect resp3")
    }

    /// A raw TCP stream with a 10 s read timeout, for protocol edge cases.
    pub fn raw(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }

    /// Waits up to `timeout` for the process to exit; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The child's pid (for signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads from `stream` until `expected.len()` bytes arrived, and returns them.
pub fn read_exact_reply(stream: &mut TcpStream, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    stream.read_exact(&mut buf).expect("reply bytes");
    buf
}
