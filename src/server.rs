//! The listener side: binds every `bind` address, accepts connections
//! (enforcing `maxclients` and protected mode), runs the background task,
//! and stops cleanly on SIGINT, SIGTERM or `SHUTDOWN`.

use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use commands::Server;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::{background, connection, tls};

/// How long a shutdown waits for connections to finish their current batch.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Redis 7.0's reply to a remote client refused by protected mode.
const DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no \
password is set for the default user. In this mode connections are only accepted from the loopback \
interface. If you want to connect from external computers to Redis you may adopt one of the following \
solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the \
loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE \
Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change \
permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration \
file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started \
the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an \
authentication password for the default user. NOTE: You only need to do one of the above things in \
order for the server to start accepting connections from the outside.\r\n";

/// Serves until a shutdown is requested, then waits for the connections to
/// finish their current batch (up to [`DRAIN_TIMEOUT`]). Errors: no `bind`
/// address could be bound; the TLS files (`tls-port` set) cannot be loaded.
/// Plain TCP listens on `port` and TLS on `tls-port` (when not 0), each on
/// every `bind` address; `port 0` with a `tls-port` means TLS only, as Redis.
pub async fn run(server: Arc<Server>) -> std::io::Result<()> {
    let tls = tls::acceptor(&server.config)
        .map_err(std::io::Error::other)?
        .map(|acceptor| -> tls::TlsContext { Arc::new(std::sync::RwLock::new(acceptor)) });
    if let Some(context) = &tls {
        // Only the first `run` of a process sets it (tests run one server).
        let _ = server.tls_reload.set(tls::reload_hook(context.clone()));
    }
    let port = server.config.get_i64("port") as u16;
    let mut listeners: Vec<(TcpListener, Option<tls::TlsContext>)> = Vec::new();
    if port != 0 || tls.is_none() {
        let (plain, bound) = bind_all(&server, port).await?;
        server.tcp_port.store(bound as u64, Ordering::Relaxed);
        listeners.extend(plain.into_iter().map(|l| (l, None)));
    }
    if let Some(context) = &tls {
        let tls_port = server.config.get_i64("tls-port") as u16;
        let (secure, _) = bind_all(&server, tls_port).await?;
        listeners.extend(secure.into_iter().map(|l| (l, Some(context.clone()))));
    }
    tokio::spawn(watch_signals(server.clone()));
    tokio::spawn(background::run(server.clone()));
    if server.config.get_bool("appendonly") {
        start_loading(&server)?;
    }
    let mut accepting = Vec::new();
    for (listener, tls) in listeners {
        accepting.push(tokio::spawn(accept_loop(server.clone(), listener, tls)));
    }
    // What start-up freed on this thread (which then only waits for the
    // shutdown signal) would otherwise stay resident.
    commands::memory::purge_freed(true);
    tracing::info!(
        port = server.tcp_port.load(Ordering::Relaxed),
        "Ready to accept connections"
    );
    server.shutdown_signal().await;
    tracing::info!("shutdown requested: no longer accepting connections");
    for task in accepting {
        let _ = task.await;
    }
    drain(&server).await;
    let flushing = server.clone();
    let _ = tokio::task::spawn_blocking(move || commands::aof::flush(&flushing)).await;
    Ok(())
}

/// Loads the AOF on a plain thread while clients get `-LOADING`, then
/// starts logging. A damaged AOF stops the process with status 1 after
/// logging the file and offset, as `redis-server` refuses to start.
fn start_loading(server: &Arc<Server>) -> std::io::Result<()> {
    let server = server.clone();
    server.aof.status.loading.store(true, Ordering::Release);
    std::thread::Builder::new()
        .name("aof-loader".into())
        .spawn(move || {
            if let Err(e) = commands::aof::load_and_start(&server) {
                tracing::error!("{e}");
                tracing::error!(
                    "the AOF cannot be loaded: fix it with framekv-check-aof --fix <file> (see the README's Durability section)"
                );
                std::process::exit(1);
            }
        })?;
    Ok(())
}

/// Binds each address of `bind` at `port`; returns the listeners and the
/// port bound. Port 0 lets the OS pick one for the first address; the
/// others then use the same port. An address written `-addr` is optional:
/// failing to bind it only logs a warning.
async fn bind_all(server: &Server, mut port: u16) -> std::io::Result<(Vec<TcpListener>, u16)> {
    let mut listeners = Vec::new();
    let mut last_error = None;
    for addr in server.config.get("bind").split_whitespace() {
        let (optional, addr) = match addr.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, addr),
        };
        let ip: IpAddr = match addr.parse() {
            Ok(ip) => ip,
            Err(_) if addr == "*" => IpAddr::from([0, 0, 0, 0]),
            Err(_) => {
                let e = std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("invalid bind address '{addr}'"),
                );
                if optional {
                    continue;
                }
                return Err(e);
            }
        };
        match TcpListener::bind(SocketAddr::new(ip, port)).await {
            Ok(listener) => {
                port = listener.local_addr()?.port();
                tracing::info!(address = %SocketAddr::new(ip, port), "listening");
                listeners.push(listener);
            }
            Err(e) if optional => {
                tracing::warn!(address = %addr, error = %e, "could not bind optional address")
            }
            Err(e) => {
                tracing::error!(address = %addr, port, error = %e, "could not bind");
                last_error = Some(e);
                break;
            }
        }
    }
    if let Some(e) = last_error {
        return Err(e);
    }
    if listeners.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AddrNotAvailable,
            "no bind address could be bound",
        ));
    }
    Ok((listeners, port))
}

/// Turns SIGINT and SIGTERM into a shutdown request.
async fn watch_signals(server: Arc<Server>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot install signal handlers; SIGTERM/SIGINT will not shut down cleanly");
        return;
    };
    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    tracing::info!(signal = name, "received signal, scheduling shutdown");
    server.request_shutdown();
}

/// Accepts connections on one listener until shutdown; `tls` for a
/// `tls-port` listener.
async fn accept_loop(server: Arc<Server>, listener: TcpListener, tls: Option<tls::TlsContext>) {
    loop {
        let accepted = tokio::select! {
            _ = server.shutdown_signal() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                admit(&server, stream, peer, tls.as_ref().map(tls::current)).await
            }
            Err(e) => {
                // Usually EMFILE/ENFILE: back off briefly instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Enables TCP keepalive probes every `seconds` (0 = off), as Redis's
/// `tcp-keepalive`: the first probe after `seconds` of idleness, then one
/// every `seconds / 3`, so a dead peer is dropped in about twice `seconds`.
fn set_keepalive(stream: &TcpStream, seconds: i64) {
    if seconds <= 0 {
        return;
    }
    let period = Duration::from_secs(seconds as u64);
    let interval = Duration::from_secs((seconds as u64 / 3).max(1));
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(period)
        .with_interval(interval);
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_keepalive(&keepalive) {
        tracing::debug!(error = %e, "could not set tcp keepalive");
    }
}

/// Checks `maxclients` and protected mode, registers the client and spawns
/// its connection task. The registration happens here, in the accept loop,
/// so concurrent accepts cannot exceed `maxclients`. A `tls-port` client
/// (`tls`) does its handshake on its own task; so does a refused one, which
/// then gets its refusal over TLS (Redis checks after the handshake too).
async fn admit(
    server: &Arc<Server>,
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
) {
    let _ = stream.set_nodelay(true);
    set_keepalive(&stream, server.config.get_i64("tcp-keepalive"));
    if protected_mode_refuses(server, peer.ip()) {
        tracing::warn!(peer = %peer, "refused a non-loopback client: protected mode");
        refuse(stream, DENIED.as_bytes(), tls);
        return;
    }
    let max = server.config.get_i64("maxclients").max(1) as usize;
    if server.clients.len() >= max {
        server
            .stats
            .rejected_connections
            .fetch_add(1, Ordering::Relaxed);
        tracing::warn!(peer = %peer, max, "refused a client: max number of clients reached");
        refuse(stream, b"-ERR max number of clients reached\r\n", tls);
        return;
    }
    server
        .stats
        .total_connections_received
        .fetch_add(1, Ordering::Relaxed);
    let laddr = stream
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let client = server.clients.connect(peer.to_string(), laddr);
    client.handle.info.lock().fd = stream.as_raw_fd();
    tracing::debug!(id = client.id, peer = %peer, "accepted");
    tokio::spawn(connection::serve(server.clone(), stream, tls, client));
}

/// Sends a one-line refusal and closes, off the accept loop (after the TLS
/// handshake, bounded by [`tls::HANDSHAKE_TIMEOUT`], on a `tls-port`).
fn refuse(stream: TcpStream, reply: &'static [u8], tls: Option<TlsAcceptor>) {
    tokio::spawn(async move {
        let mut stream = match tls {
            None => tls::Stream::Plain(stream),
            Some(acceptor) => {
                match tokio::time::timeout(tls::HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(s)) => tls::Stream::Tls(Box::new(s)),
                    _ => return,
                }
            }
        };
        let _ = stream.write_batch(reply).await;
        let _ = stream.shutdown().await;
    });
}

/// Protected mode (Redis 7.0's): with `protected-mode yes` and a default
/// user without a password (no `requirepass`), only loopback clients are
/// served, whatever `bind` says.
fn protected_mode_refuses(server: &Server, peer: IpAddr) -> bool {
    let ip = match peer {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
        v4 => v4,
    };
    server.config.get_bool("protected-mode")
        && server.acl.default_user().user.read().nopass
        && !is_local(ip)
}

/// Redis's loopback test for protected mode: exactly 127.0.0.1 or ::1.
fn is_local(ip: IpAddr) -> bool {
    ip == IpAddr::from([127, 0, 0, 1]) || ip == IpAddr::from(std::net::Ipv6Addr::LOCALHOST)
}

/// Waits until every connection has closed, or [`DRAIN_TIMEOUT`].
async fn drain(server: &Server) {
    let started = Instant::now();
    while !server.clients.is_empty() {
        if started.elapsed() > DRAIN_TIMEOUT {
            tracing::warn!(
                clients = server.clients.len(),
                "closing with clients still busy"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
