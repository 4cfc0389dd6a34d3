//! TLS on `tls-port` (Redis 7.0's directives): the rustls server context
//! built from `tls-cert-file`, `tls-key-file`, `tls-ca-cert-file` and
//! `tls-auth-clients`, and [`Stream`], the byte stream a connection serves:
//! plain TCP or TLS over TCP.
//!
//! rustls uses its `ring` crypto provider. The handshake runs on the
//! connection's own task (see `connection::serve`), bounded by
//! [`HANDSHAKE_TIMEOUT`].

use std::io;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use commands::config::Config;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::RootCertStore;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::server::TlsStream;

/// How long a client on `tls-port` has to finish the TLS handshake before
/// the connection is dropped, so a stalled handshake holds nothing for long.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection's byte stream: plain TCP, or a server-side TLS session over
/// TCP (boxed: the TLS state is large and the plain arm stays small). Reads
/// and writes dispatch with one `match` per poll, not per byte.
pub enum Stream {
    /// Plain TCP (`port`).
    Plain(TcpStream),
    /// TLS after a completed handshake (`tls-port`).
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// Writes what the socket takes of `buf` now, without waiting, and
    /// returns how many bytes that was: 0 when the socket is full, and
    /// always 0 on TLS, whose records go through [`Stream::write_batch`].
    /// A batch's replies usually fit the socket buffer, so this one `write`
    /// call is the whole flush and no write future is built.
    pub fn write_now(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => match s.try_write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                written => written,
            },
            Stream::Tls(_) => Ok(0),
        }
    }

    /// Writes all of `buf`; on TLS also flushes, so no record stays
    /// buffered in the session after the batch.
    pub async fn write_batch(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.write_all(buf).await,
            Stream::Tls(s) => {
                s.write_all(buf).await?;
                s.flush().await
            }
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The TLS acceptor for `tls-port`, or `None` when `tls-port` is 0.
///
/// Errors (the server refuses to start): `tls-cert-file` or `tls-key-file`
/// unset, unreadable or not PEM of the right kind; `tls-ca-cert-file` unset
/// while `tls-auth-clients` is `yes` or `optional`, or unreadable; a key
/// that does not match the certificate. Each message names the directive
/// and the file.
pub fn acceptor(config: &Config) -> Result<Option<TlsAcceptor>, String> {
    if config.get_i64("tls-port") == 0 {
        return Ok(None);
    }
    acceptor_from(&|name| config.get(name)).map(Some)
}

/// The TLS context in use on `tls-port`: `CONFIG SET` of a `tls-*` file
/// directive or `tls-auth-clients` replaces it (Redis 7.0 reloads TLS the
/// same way); connections already open keep the one they started with.
pub type TlsContext = Arc<RwLock<TlsAcceptor>>;

/// The acceptor a connection accepted now uses.
pub fn current(context: &TlsContext) -> TlsAcceptor {
    // Nothing panics while the lock is held (a clone or a store).
    context.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The [`commands::state::TlsReload`] hook for `context`: builds the
/// acceptor from the candidate settings (errors as [`acceptor`]'s) and
/// returns the switch that puts it in use.
pub fn reload_hook(context: TlsContext) -> commands::state::TlsReload {
    Box::new(move |get| {
        let next = acceptor_from(get)?;
        let context = context.clone();
        Ok(Box::new(move || {
            *context.write().unwrap_or_else(|e| e.into_inner()) = next;
            tracing::info!("TLS configuration reloaded");
        }))
    })
}

/// [`acceptor`] from settings read through `get` (directive name to value).
fn acceptor_from(get: &dyn Fn(&str) -> String) -> Result<TlsAcceptor, String> {
    let provider = Arc::new(ring::default_provider());
    let cert_file = required(get, "tls-cert-file")?;
    let key_file = required(get, "tls-key-file")?;
    let certs = load_certs("tls-cert-file", &cert_file)?;
    let key = PrivateKeyDer::from_pem_file(&key_file)
        .map_err(|e| file_error("tls-key-file", &key_file, &e.to_string()))?;
    let auth = get("tls-auth-clients");
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let builder = if auth == "no" {
        builder.with_no_client_auth()
    } else {
        let ca_file = get("tls-ca-cert-file");
        if ca_file.is_empty() {
            return Err(
                "TLS: tls-ca-cert-file must be set when tls-auth-clients is yes or optional".into(),
            );
        }
        let mut roots = RootCertStore::empty();
        for cert in load_certs("tls-ca-cert-file", &ca_file)? {
            roots
                .add(cert)
                .map_err(|e| file_error("tls-ca-cert-file", &ca_file, &e.to_string()))?;
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
        let verifier = if auth == "optional" {
            verifier.allow_unauthenticated()
        } else {
            verifier
        };
        let verifier = verifier
            .build()
            .map_err(|e| file_error("tls-ca-cert-file", &ca_file, &e.to_string()))?;
        builder.with_client_cert_verifier(verifier)
    };
    let server_config = builder.with_single_cert(certs, key).map_err(|e| {
        format!("TLS: tls-key-file '{key_file}' does not fit tls-cert-file '{cert_file}': {e}")
    })?;
    Ok(TlsAcceptor::from(Arc::new(server_config)))
}

/// The value of a file directive that TLS needs, or an error naming it.
fn required(get: &dyn Fn(&str) -> String, name: &str) -> Result<String, String> {
    let value = get(name);
    if value.is_empty() {
        return Err(format!("TLS: {name} must be set when tls-port is not 0"));
    }
    Ok(value)
}

/// Every certificate in the PEM file `path`; at least one.
fn load_certs(name: &str, path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| file_error(name, path, &e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(name, path, &e.to_string()))?;
    if certs.is_empty() {
        return Err(file_error(name, path, "no PEM certificate found"));
    }
    Ok(certs)
}

fn file_error(name: &str, path: &str, why: &str) -> String {
    format!("TLS: cannot load {name} '{path}': {why}")
}
