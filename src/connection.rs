//! One client connection: read buffer → requests → dispatch → one write per
//! batch.
//!
//! The loop reads what the socket has (up to 64 KiB a read), executes every
//! complete request in the buffer in order, encodes all their replies into
//! one output buffer and writes it with a single `write_all` once no
//! complete request is left (pipelining costs one syscall per batch, not
//! per reply). A read that filled its limit yields to the other connections
//! before the next, so each client's first replies go out early. A
//! [`Reply::Deferred`] runs on tokio's blocking pool; replies already
//! encoded are written before it starts, so a client that blocks (or waits
//! for a long frame op) has seen every earlier reply.
//!
//! The connection ends on EOF, a protocol error (after the error reply), a
//! query buffer over `client-query-buffer-limit`, `QUIT`, `CLIENT KILL`, a
//! shutdown request (after the current batch; `SHUTDOWN` itself gets no
//! reply, as in Redis), or a write error.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use bytes::{BufMut, Bytes, BytesMut};
use commands::client::{Client, Outgoing};
use commands::ctx::CommandClock;
use commands::{Ctx, Reply, Server, aof, dispatch};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use crate::protocol::encode::{encode, encode_push};
use crate::protocol::request::{Limits, RequestDecoder};
use crate::tls::{self, Stream};

/// Free space kept in the read buffer before each read (Redis's
/// `PROTO_IOBUF_LEN`, the size of its reads).
const READ_CHUNK: usize = 16 * 1024;

/// The most one read takes, unless the rest of a big argument is due (see
/// `RequestDecoder::read_len`). Redis reads 16 KiB a turn; 64 KiB, with a
/// yield between reads, measured best here (redis-benchmark MSET `-d 1024
/// -P 16`: 1.5x the rate of 16 KiB reads, at about Redis's p50).
const READ_MAX: usize = 64 * 1024;

/// Buffers grown past this by one big request or reply are replaced by
/// small ones once empty, so an idle client does not keep megabytes.
const SHRINK_ABOVE: usize = 1 << 20;

/// Output is written early when a single batch's replies exceed this, so a
/// huge pipeline does not hold all its replies in memory.
const OUTPUT_FLUSH_AT: usize = 1 << 20;

/// Why a connection stops.
enum Stop {
    /// Keep going.
    No,
    /// Close after writing what is buffered.
    AfterFlush,
}

/// Serves `client` on `stream` until it closes; unregisters it at the end
/// (also if the task panics). With `tls` (a `tls-port` client) the TLS
/// handshake runs first, here on the connection's task, bounded by
/// [`tls::HANDSHAKE_TIMEOUT`]; a failed or stalled handshake closes it.
pub async fn serve(
    server: Arc<Server>,
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    client: Client,
) {
    let _registration = Registration {
        server: server.clone(),
        id: client.id,
    };
    let stream = match tls {
        None => Stream::Plain(stream),
        Some(acceptor) => {
            let handshake = tokio::time::timeout(tls::HANDSHAKE_TIMEOUT, acceptor.accept(stream));
            match handshake.await {
                Ok(Ok(tls_stream)) => Stream::Tls(Box::new(tls_stream)),
                Ok(Err(e)) => {
                    tracing::debug!(id = client.id, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(id = client.id, "TLS handshake timed out");
                    return;
                }
            }
        }
    };
    let mut conn = Connection {
        client,
        stream,
        input: BytesMut::with_capacity(READ_CHUNK),
        output: BytesMut::with_capacity(READ_CHUNK),
        decoder: RequestDecoder::default(),
        peak_input: 0,
        durable: None,
        clock: CommandClock::default(),
        server,
    };
    conn.client.authenticated = conn.server.acl.default_needs_no_auth();
    conn.client.acl_user = conn.server.acl.default_user();
    // `client-output-buffer-limit` applies from here on.
    conn.client
        .handle
        .output
        .attach(conn.server.config.output_limits.clone());
    if let Err(e) = conn.run().await {
        tracing::debug!(id = conn.client.id, error = %e, "connection error");
    }
    // A closed client stops watching its keys.
    commands::multi::unwatch_all(&mut Ctx::new(&conn.server, &mut conn.client));
    // ... and leaves its pub/sub channels and patterns, and MONITOR mode.
    commands::pubsub::unsubscribe_all(&mut Ctx::new(&conn.server, &mut conn.client));
    conn.server.monitors.remove(conn.client.id);
    tracing::debug!(id = conn.client.id, "closed");
}

/// Removes the client from the registry when the connection task ends.
struct Registration {
    server: Arc<Server>,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.server.clients.disconnect(self.id);
    }
}

struct Connection {
    server: Arc<Server>,
    client: Client,
    stream: Stream,
    input: BytesMut,
    output: BytesMut,
    decoder: RequestDecoder,
    peak_input: usize,
    /// The newest AOF record the buffered replies wait for.
    durable: Option<aof::Pending>,
    /// Clock readings chained across the commands of a batch.
    clock: CommandClock,
}

impl Connection {
    async fn run(&mut self) -> std::io::Result<()> {
        // A kill or a shutdown wakes the wait below through the message
        // channel (`ClientHandle::wake`); the checks after each batch see it.
        let mut read_was_full = false;
        loop {
            let stop = self.process_input().await?;
            self.flush().await?;
            if matches!(stop, Stop::AfterFlush)
                || self.client.handle.is_killed()
                || self.server.shutdown_requested()
            {
                return Ok(());
            }
            if self.input.is_empty() && self.input.capacity() > SHRINK_ABOVE {
                self.input = BytesMut::with_capacity(READ_CHUNK);
            }
            // A client that keeps the buffer full (a big pipeline) reads up
            // to READ_MAX at a time; others keep READ_CHUNK free.
            let free = if read_was_full { READ_MAX } else { READ_CHUNK };
            if self.input.capacity() - self.input.len() < free {
                self.input.reserve(free);
            }
            // A read that filled its limit leaves more input waiting: let
            // the other connections have a turn first, as Redis's event loop
            // reads each ready client once per turn. A client's big
            // pipeline then does not hold a worker until it is all served,
            // and every client gets its first replies early.
            if read_was_full {
                tokio::task::yield_now().await;
            }
            let limit = self
                .decoder
                .read_len(self.input.len(), READ_MAX)
                .min(self.input.capacity() - self.input.len());
            // `BufMut::limit` caps the free space the read sees (tokio's
            // `AsyncReadExt::take` did too, at 100 instructions a read).
            let mut free_space = (&mut self.input).limit(limit);
            // Biased, the read first: under load the read is ready at once
            // and the channel is not polled (a kill or shutdown is still
            // seen: the checks above run after every batch).
            tokio::select! {
                biased;
                read = self.stream.read_buf(&mut free_space) => {
                    let n = read?;
                    if n == 0 {
                        return Ok(());
                    }
                    read_was_full = n == limit;
                    self.server.stats.total_net_input_bytes.fetch_add(n as u64, Relaxed);
                    self.handle_read()?;
                }
                Some(item) = self.client.pushes.recv() => {
                    read_was_full = false;
                    self.encode_outgoing(item);
                }
            }
        }
    }

    /// Book-keeping after a read: buffer statistics, activity time, and the
    /// query buffer limit (over it the client is closed, as Redis does).
    fn handle_read(&mut self) -> std::io::Result<()> {
        self.peak_input = self.peak_input.max(self.input.capacity());
        {
            let mut info = self.client.handle.info.lock();
            info.last_interaction = std::time::Instant::now();
            self.update_buffer_info(&mut info);
        }
        let limit = self.server.config.query_buffer_limit() as usize;
        if self.input.len() > limit {
            tracing::warn!(
                id = self.client.id,
                addr = %self.client.handle.addr,
                qbuf = self.input.len(),
                limit,
                "closing client that reached max query buffer length"
            );
            return Err(std::io::Error::other("query buffer limit reached"));
        }
        Ok(())
    }

    fn update_buffer_info(&self, info: &mut commands::client::ClientInfo) {
        info.qbuf = self.input.len();
        info.qbuf_free = self.input.capacity() - self.input.len();
        info.rbs = self.input.capacity();
        info.rbp = self.peak_input;
    }

    /// Executes every complete request in the input buffer, encoding the
    /// replies into the output buffer.
    async fn process_input(&mut self) -> std::io::Result<Stop> {
        let max_bulk_len = self.server.config.proto_max_bulk_len();
        self.clock.restart();
        loop {
            // Rebuilt per request: an AUTH earlier in the batch lifts the
            // unauthenticated limits for the requests after it.
            let limits = Limits {
                max_bulk_len,
                authenticated: self.client.authenticated,
            };
            let argv = match self.decoder.next(&mut self.input, &limits) {
                Ok(Some(argv)) => argv,
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(id = self.client.id, error = %e.0, "protocol error");
                    let line = e.reply_text();
                    self.count_error(&line);
                    self.encode_reply(&Reply::Error(line));
                    return Ok(Stop::AfterFlush);
                }
            };
            if argv.is_empty() {
                continue;
            }
            // CLIENT PAUSE: one atomic load when no pause is in force.
            if self.server.pause.is_active() {
                self.clock.restart();
                if !self.wait_unpaused(&argv).await? {
                    return Ok(Stop::AfterFlush);
                }
            }
            // A running script: wait for it, or BUSY past its threshold.
            // Checked first so that without a script no `admit` future is
            // built (moving it into place cost more than the load).
            if commands::scripting::status::is_running(&self.server) {
                // `admit` may wait for the script.
                self.clock.restart();
                if let Some(busy) = commands::scripting::status::admit(&self.server, &argv).await {
                    if let Reply::Error(line) = &busy {
                        self.count_error(line);
                    }
                    self.encode_reply(&busy);
                    continue;
                }
            }
            let shutting_down = self.server.shutdown_requested();
            let reply = self.execute(argv);
            // Messages queued for this client up to now (one it published to
            // itself included) go out before the command's reply, as in Redis;
            // MONITOR lines (its own command's among them) after it.
            let mut after_reply = Vec::new();
            while self.client.handle.output.has_queued()
                && let Ok(item) = self.client.pushes.try_recv()
            {
                self.client.handle.output.taken(&item);
                match item {
                    Outgoing::Push(items) => {
                        encode_push(&mut self.output, &items, self.client.resp >= 3);
                    }
                    Outgoing::Status(line) => after_reply.push(line),
                    Outgoing::Wake => {}
                }
            }
            if !shutting_down && self.server.shutdown_requested() {
                // This command (SHUTDOWN) stopped the server: as in Redis, it
                // gets no reply; the replies before it are still written.
                return Ok(Stop::AfterFlush);
            }
            if matches!(reply, Reply::Deferred(_) | Reply::Block(_)) {
                self.clock.restart();
            }
            match reply {
                Reply::Deferred(deferred) => {
                    self.flush().await?;
                    self.set_blocked(true);
                    let result = tokio::task::spawn_blocking(move || {
                        let reply = (deferred.0)();
                        (reply, aof::take_pending())
                    })
                    .await;
                    self.set_blocked(false);
                    let result = result.map(|(reply, pending)| {
                        self.note_pending(pending);
                        reply
                    });
                    let reply = match result {
                        Ok(Reply::Deferred(_)) => {
                            Reply::Error("ERR internal error: nested deferred reply".into())
                        }
                        Ok(reply) => reply,
                        Err(e) => {
                            tracing::error!(id = self.client.id, error = %e, "deferred command failed");
                            Reply::Error("ERR internal error".into())
                        }
                    };
                    if let Reply::Error(line) = &reply {
                        self.count_error(line);
                    }
                    self.encode_reply(&reply);
                }
                Reply::Block(blocked) => {
                    self.flush().await?;
                    let reply = self.wait_blocked(*blocked).await;
                    if let Reply::Error(line) = &reply {
                        self.count_error(line);
                    }
                    self.encode_reply(&reply);
                }
                reply => self.encode_reply(&reply),
            }
            for line in after_reply {
                self.encode_reply(&Reply::Status(line.into()));
            }
            if self.client.close_after_reply || self.client.handle.is_killed() {
                return Ok(Stop::AfterFlush);
            }
            if self.output.len() >= OUTPUT_FLUSH_AT {
                self.flush().await?;
                self.clock.restart();
            }
        }
        let mut info = self.client.handle.info.lock();
        self.update_buffer_info(&mut info);
        Ok(Stop::No)
    }

    /// Runs one command. A panicking command becomes an error reply instead
    /// of taking the connection down.
    fn execute(&mut self, argv: Vec<Bytes>) -> Reply {
        let server = &self.server;
        let client = &mut self.client;
        // EXEC runs its whole queue, heavy frame work included, and a
        // script its whole run, with every database held: off the async
        // workers (tokio moves this worker's other tasks elsewhere
        // meanwhile).
        let exec = argv.first().is_some_and(|n| {
            n.eq_ignore_ascii_case(b"exec") || commands::scripting::runs_script(n)
        });
        let clock = &mut self.clock;
        let run = || {
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                let mut ctx = Ctx::timed(server, client, clock);
                let reply = dispatch::execute(&mut ctx, argv);
                clock.finished(ctx.finished);
                reply
            }))
        };
        let outcome = if exec {
            tokio::task::block_in_place(run)
        } else {
            run()
        };
        self.note_pending(aof::take_pending());
        outcome.unwrap_or_else(|_| {
            self.clock.restart();
            tracing::error!(id = self.client.id, "command panicked");
            Reply::Error("ERR internal error".into())
        })
    }

    /// Waits in a blocking command until a write serves it (its reply comes
    /// over the channel), the timeout passes, `CLIENT UNBLOCK`, a kill or a
    /// shutdown. Ending the wait takes the database lock, under which
    /// waiters are also served, so a client is either served or ends its
    /// wait, never both.
    async fn wait_blocked(&mut self, blocked: commands::blocking::Blocked) -> Reply {
        let commands::blocking::Blocked {
            db,
            waiter,
            mut receiver,
            timeout,
            on_timeout,
        } = blocked;
        let handle = self.client.handle.clone();
        handle.unblock_error.store(false, Relaxed);
        handle.waiting_on_keys.store(true, Relaxed);
        self.set_blocked(true);
        let deadline = async {
            match timeout {
                Some(t) => tokio::time::sleep(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(deadline);
        let served = loop {
            tokio::select! {
                served = &mut receiver => break served.ok(),
                _ = &mut deadline => break None,
                _ = handle.unblock_notify.notified() => break None,
                _ = handle.kill_notify.notified() => break None,
                _ = self.server.shutdown_signal() => break None,
                // A client that hangs up stops waiting (and takes nothing);
                // one that sends more commands has them kept for later.
                read = self.stream.read_buf(&mut self.input) => match read {
                    Ok(n) if n > 0 => continue,
                    _ => {
                        self.client.close_after_reply = true;
                        break None;
                    }
                },
            }
        };
        let reply = match served {
            Some(reply) => reply,
            None => {
                let mut guard = self.server.keyspace.db(db);
                if waiter.claim() {
                    guard.remove_waiter(&waiter);
                    drop(guard);
                    if handle.unblock_error.load(Relaxed) {
                        Reply::Error("UNBLOCKED client unblocked via CLIENT UNBLOCK".into())
                    } else {
                        on_timeout
                    }
                } else {
                    // Served just before: its reply is on the way.
                    drop(guard);
                    receiver.await.unwrap_or(on_timeout)
                }
            }
        };
        handle.waiting_on_keys.store(false, Relaxed);
        self.set_blocked(false);
        reply
    }

    /// Remembers the newest AOF record this client's replies must wait for
    /// (`appendfsync always`).
    fn note_pending(&mut self, pending: Option<aof::Pending>) {
        if let Some(pending) = pending {
            self.durable = Some(pending);
        }
    }

    /// Waits until the AOF records of the replies in the output buffer are
    /// durable. Waits on the writer's thread, never blocking this worker;
    /// other clients' records written meanwhile share the fsync (group
    /// commit). A failed write or fsync stops the server before the reply
    /// goes out, as Redis 7 does under `appendfsync always`.
    async fn wait_durable(&mut self) {
        let Some(pending) = self.durable.take() else {
            return;
        };
        let waited = pending.writer.wait_durable_async(pending.ticket).await;
        if let Ok(Err(e)) | Err(e) = waited.map_err(std::io::Error::other) {
            // As Redis 7: the reply would claim a durability that the disk
            // refused, and a failed fsync may have dropped the pages.
            tracing::error!(
                error = %e,
                "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting..."
            );
            std::process::exit(1);
        }
        // The last handle on a replaced writer flushes, fsyncs and joins
        // its threads when dropped: not on an async worker.
        if std::sync::Arc::strong_count(&pending.writer) == 1 {
            tokio::task::spawn_blocking(move || drop(pending));
        }
    }

    /// Holds the client's next command (`argv`) while a `CLIENT PAUSE`
    /// holds it: without blocking the worker, until the pause ends (its
    /// timeout, or `CLIENT UNPAUSE` from another connection). Replies
    /// already encoded are written first; meanwhile the client shows as
    /// blocked, running that command. Input that arrives is kept for later.
    /// False when the client must close instead (hung up, killed, shutdown).
    async fn wait_unpaused(&mut self, argv: &[Bytes]) -> std::io::Result<bool> {
        let server = self.server.clone();
        let handle = self.client.handle.clone();
        let mut held = false;
        let open = loop {
            let ended = server.pause.ended();
            tokio::pin!(ended);
            ended.as_mut().enable();
            let until = {
                let ctx = Ctx::new(&self.server, &mut self.client);
                commands::pause::held(&ctx, argv)
            };
            let Some((spec, end_ms)) = until else {
                break true;
            };
            if !held {
                held = true;
                self.flush().await?;
                self.set_blocked(true);
                let mut info = handle.info.lock();
                info.last_cmd = spec.name;
            }
            let left = (end_ms - commands::keyspace::now_ms()).max(0) as u64;
            // Past the end by 1 ms: the pause ends when its end is passed.
            let wake = std::time::Duration::from_millis(left.saturating_add(1));
            tokio::select! {
                _ = &mut ended => {}
                _ = tokio::time::sleep(wake) => {}
                _ = handle.kill_notify.notified() => break false,
                _ = server.shutdown_signal() => break false,
                read = self.stream.read_buf(&mut self.input) => match read {
                    Ok(n) if n > 0 => self.handle_read()?,
                    _ => break false,
                },
            }
        };
        if held {
            self.set_blocked(false);
        }
        Ok(open)
    }

    /// Encodes an out-of-band message that arrived between commands.
    fn encode_outgoing(&mut self, item: Outgoing) {
        self.client.handle.output.taken(&item);
        match item {
            Outgoing::Push(items) => encode_push(&mut self.output, &items, self.client.resp >= 3),
            Outgoing::Status(line) => self.encode_reply(&Reply::Status(line.into())),
            Outgoing::Wake => {}
        }
    }

    fn encode_reply(&mut self, reply: &Reply) {
        encode(&mut self.output, reply, self.client.resp >= 3);
    }

    /// Counts an error reply that did not come through `dispatch::execute`
    /// (protocol errors, deferred replies), for `total_error_replies` and
    /// `INFO errorstats`.
    fn count_error(&self, line: &str) {
        self.server.stats.total_error_replies.fetch_add(1, Relaxed);
        self.server.stats.record_error(line);
    }

    fn set_blocked(&self, blocked: bool) {
        self.client.handle.info.lock().blocked = blocked;
    }

    /// Writes the output buffer, if any, in one `write_all`. Output over
    /// `client-output-buffer-limit` is not written: the client is closed
    /// (as is one killed while its write waits on a peer that does not read).
    async fn flush(&mut self) -> std::io::Result<()> {
        if self.output.is_empty() {
            return Ok(());
        }
        self.wait_durable().await;
        let handle = &self.client.handle;
        if !handle.output.writing(handle, self.output.len()) {
            return Err(std::io::Error::other("output buffer limit reached"));
        }
        // What the socket takes now goes without a future; only a rest
        // that must wait for the peer takes the async path.
        let written = self.stream.write_now(&self.output)?;
        if written < self.output.len() {
            // Biased: a reply that can be written goes out even to a client
            // killed meanwhile; the kill only cuts a write that waits.
            tokio::select! {
                biased;
                done = self.stream.write_batch(&self.output[written..]) => done?,
                _ = handle.kill_notify.notified() => {
                    return Err(std::io::Error::other("killed while writing"));
                }
            }
        }
        handle.output.writing(handle, 0);
        self.server
            .stats
            .total_net_output_bytes
            .fetch_add(self.output.len() as u64, Relaxed);
        self.output.clear();
        if self.output.capacity() > SHRINK_ABOVE {
            self.output = BytesMut::with_capacity(READ_CHUNK);
        }
        Ok(())
    }
}
