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
    /// The arguments after the test defaults, kept for [`TestServer::restart`].
    args: Vec<String>,
    /// Where stdout and stderr go (`<dir>.log`), for servers started with
    /// [`TestServer::launch`]; `None` when the output is discarded.
    log: Option<PathBuf>,
}

/// Why [`TestServer::launch`] (or a restart) failed: the process exited, or
/// never answered PING, before it was ready.
#[derive(Debug)]
pub struct StartFailure {
    /// The exit code; `None` when it did not exit (killed after the timeout)
    /// or was ended by a signal.
    pub code: Option<i32>,
    /// What the server wrote to stdout and stderr during this start.
    pub output: String,
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
    /// Starts a server with the test defaults (`--appendonly no
    /// --enable-debug-command yes`) plus `args`
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
                // DEBUG is refused by default (Redis 7); tests use it.
                .arg("--enable-debug-command")
                .arg("yes")
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let child = cmd.spawn().expect("framekv-server starts");
            let mut server = TestServer {
                port,
                dir: dir.clone(),
                child,
                args: args.iter().map(|a| a.to_string()).collect(),
                log: None,
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
        self.ready_within(timeout, Duration::from_millis(50))
    }

    /// Polls every `poll` until the server answers PING with `+PONG` (or
    /// `-NOAUTH`); a `-LOADING` answer means "not yet". False when the
    /// process exits or `timeout` passes first.
    pub fn ready_within(&mut self, timeout: Duration, poll: Duration) -> bool {
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
                        // Another test's server may have taken the port
                        // this one failed to bind: make sure it is ours.
                        return &buf != b"+PONG\r\n" || self.answers_as_own(&mut s);
                    }
                }
            }
            std::thread::sleep(poll);
        }
        false
    }

    /// True when a server other than this child answers PING on its port.
    fn port_answered_by_another(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok()
            && s.read_exact(&mut buf).is_ok()
            && &buf == b"+PONG\r\n"
            && !self.answers_as_own(&mut s)
    }

    /// True when the server on `stream` reports this child's process id
    /// (`INFO server` `process_id`).
    fn answers_as_own(&self, stream: &mut TcpStream) -> bool {
        if stream.write_all(b"INFO server\r\n").is_err() {
            return false;
        }
        let mut text = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&text).contains("process_id:") || !text.ends_with(b"\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return false,
                Ok(n) => text.extend_from_slice(&buf[..n]),
            }
            if text.len() > 64 * 1024 {
                return false;
            }
        }
        let text = String::from_utf8_lossy(&text);
        text.lines()
            .find_map(|l| l.strip_prefix("process_id:"))
            .and_then(|v| v.trim().parse::<u32>().ok())
            == Some(self.child.id())
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

/// Restartable servers for the persistence tests: the output goes to a log
/// file beside the directory, the process can be SIGKILLed and started again
/// in the same directory, and a refused start hands back its exit status and
/// output.
impl TestServer {
    /// Starts a server in `dir` with the test defaults (`--appendonly no`)
    /// followed by `args` (later options override earlier ones, so
    /// `&["--appendonly", "yes"]` turns the AOF on), with stdout and stderr
    /// appended to `<dir>.log`, and waits (polling every 5 ms, up to 30 s)
    /// until it answers PING; `-LOADING` answers mean "not yet".
    ///
    /// On failure the exit status and the output of this start come back,
    /// and `dir` and the log are removed. On success both are removed when
    /// the server is dropped.
    pub fn launch(dir: PathBuf, args: &[&str]) -> Result<TestServer, StartFailure> {
        // Where this start's output begins, read before the process exists:
        // a server refusing its config can write everything and exit
        // before a length read after the spawn.
        let from =
            std::fs::metadata(format!("{}.log", dir.display())).map_or(0, |m| m.len() as usize);
        let mut server = Self::spawn_logged(dir, args);
        server.wait_started(from)?;
        Ok(server)
    }

    /// Like [`TestServer::launch`], panicking with the output on failure.
    pub fn launch_ok(dir: PathBuf, args: &[&str]) -> TestServer {
        Self::launch(dir, args).unwrap_or_else(|f| panic!("framekv-server did not start: {f:?}"))
    }

    /// Starts the process as [`TestServer::launch`] does but returns at
    /// once, before it is ready (see [`TestServer::ready_within`]).
    pub fn spawn_logged(dir: PathBuf, args: &[&str]) -> TestServer {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let log = PathBuf::from(format!("{}.log", dir.display()));
        let port = free_port();
        let child = spawn_logged_child(&dir, port, &args, &log);
        TestServer {
            port,
            dir,
            child,
            args,
            log: Some(log),
        }
    }

    /// Sends SIGKILL (what `Child::kill` sends on Unix) and reaps the
    /// process: no shutdown code runs, the files stay as the crash left them.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// [`TestServer::kill9`], then starts again in the same directory with
    /// the same arguments (on a fresh port: reconnect afterwards) and waits
    /// until it answers PING. Panics with the output when the start fails.
    pub fn restart(&mut self) {
        if let Err(f) = self.try_restart() {
            panic!("framekv-server did not restart: {f:?}");
        }
    }

    /// Like [`TestServer::restart`], returning the exit status and output of
    /// a refused start. The directory stays owned by `self` either way.
    pub fn try_restart(&mut self) -> Result<(), StartFailure> {
        self.kill9();
        let log = self
            .log
            .get_or_insert_with(|| PathBuf::from(format!("{}.log", self.dir.display())))
            .clone();
        let from = self.log_len();
        self.port = free_port();
        self.child = spawn_logged_child(&self.dir, self.port, &self.args, &log);
        self.wait_started(from)
    }

    /// Everything the server wrote to its log file so far, over all starts
    /// (empty for a server whose output is discarded).
    pub fn log_text(&self) -> String {
        self.log
            .as_ref()
            .and_then(|log| std::fs::read(log).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    fn log_len(&self) -> usize {
        self.log
            .as_ref()
            .and_then(|log| std::fs::metadata(log).ok())
            .map_or(0, |m| m.len() as usize)
    }

    /// Waits until ready; when the process exits first because its port was
    /// taken meanwhile, starts it again on another port (up to 5 times).
    /// `from` is where this start's output begins in the log.
    fn wait_started(&mut self, mut from: usize) -> Result<(), StartFailure> {
        for _attempt in 0..5 {
            if self.ready_within(Duration::from_secs(30), Duration::from_millis(5)) {
                return Ok(());
            }
            // Another test's server answering on the port means this one
            // lost the race for it, whether or not it has logged so yet.
            let taken =
                matches!(self.child.try_wait(), Ok(None)) && self.port_answered_by_another();
            self.kill9();
            let status = self.child.wait().ok();
            let output = self.log_text().get(from..).unwrap_or_default().to_string();
            if !taken && !output.contains("already in use") {
                return Err(StartFailure {
                    code: status.and_then(|s| s.code()),
                    output,
                });
            }
            from = self.log_len();
            self.port = free_port();
            let log = self.log.clone().expect("logged servers have a log file");
            self.child = spawn_logged_child(&self.dir, self.port, &self.args, &log);
        }
        panic!("framekv-server found no free port in 5 attempts");
    }
}

/// Spawns `framekv-server --port port --dir dir --appendonly no
/// --enable-debug-command yes <args>`
/// with stdout and stderr appended to `log`.
fn spawn_logged_child(dir: &Path, port: u16, args: &[String], log: &Path) -> Child {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("open the server log");
    let err = out.try_clone().expect("clone the log handle");
    Command::new(env!("CARGO_BIN_EXE_framekv-server"))
        .arg("--port")
        .arg(port.to_string())
        .arg("--dir")
        .arg(dir)
        .arg("--appendonly")
        .arg("no")
        .arg("--enable-debug-command")
        .arg("yes")
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("framekv-server starts")
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(log) = &self.log {
            let _ = std::fs::remove_file(log);
        }
    }
}

/// Reads from `stream` until `expected.len()` bytes arrived, and returns them.
pub fn read_exact_reply(stream: &mut TcpStream, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    stream.read_exact(&mut buf).expect("reply bytes");
    buf
}
