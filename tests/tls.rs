//! TLS on `tls-port` against the real binary: a CA, a server certificate
//! (SAN 127.0.0.1 and localhost) and a client certificate are generated at
//! test time with rcgen; the `redis` crate (rustls) and `redis-cli --tls`
//! (when it is built with TLS) connect; `tls-auth-clients` yes / optional /
//! no decide whether a client without a certificate gets in; the plain
//! port keeps working beside TLS; bad TLS files refuse the start; `CONFIG
//! SET` of the TLS files reloads them for new connections.

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use common::{TestServer, temp_dir};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use redis::{ClientTlsConfig, TlsCertificates};

/// PEM files written into a temporary directory.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    /// A CA, a server certificate it signs (127.0.0.1, localhost) and a
    /// client certificate it signs, as `ca.crt`, `server.crt/.key`,
    /// `client.crt/.key`.
    fn generate() -> Pki {
        let dir = temp_dir();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "framekv test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        std::fs::write(dir.join("ca.crt"), ca.pem()).unwrap();
        for (name, sans, usage) in [
            (
                "server",
                vec!["127.0.0.1".to_string(), "localhost".to_string()],
                ExtendedKeyUsagePurpose::ServerAuth,
            ),
            (
                "client",
                vec!["client".to_string()],
                ExtendedKeyUsagePurpose::ClientAuth,
            ),
        ] {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(sans).unwrap();
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages = vec![usage];
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            let cert = params.signed_by(&key, &ca).unwrap();
            std::fs::write(dir.join(format!("{name}.crt")), cert.pem()).unwrap();
            std::fs::write(dir.join(format!("{name}.key")), key.serialize_pem()).unwrap();
        }
        Pki { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(name)).unwrap()
    }

    /// The server's TLS arguments for `tls_port` and `auth`.
    fn server_args(&self, tls_port: u16, auth: &str) -> Vec<String> {
        [
            "--tls-port",
            &tls_port.to_string(),
            "--tls-cert-file",
            &self.path("server.crt"),
            "--tls-key-file",
            &self.path("server.key"),
            "--tls-ca-cert-file",
            &self.path("ca.crt"),
            "--tls-auth-clients",
            auth,
        ]
        .map(String::from)
        .to_vec()
    }

    /// A `redis` client for `rediss://127.0.0.1:port`, trusting the CA and
    /// presenting the client certificate when `with_cert`.
    fn client(&self, port: u16, with_cert: bool) -> redis::Client {
        let certs = TlsCertificates {
            client_tls: with_cert.then(|| ClientTlsConfig {
                client_cert: self.read("client.crt"),
                client_key: self.read("client.key"),
            }),
            root_cert: Some(self.read("ca.crt")),
        };
        redis::Client::build_with_tls(format!("rediss://127.0.0.1:{port}/"), certs).unwrap()
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn start(pki: &Pki, auth: &str) -> (TestServer, u16) {
    let tls_port = free_port();
    let args = pki.server_args(tls_port, auth);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    (TestServer::start(&args), tls_port)
}

/// PING over TLS; the error text when the server refuses the client.
fn tls_ping(pki: &Pki, port: u16, with_cert: bool) -> Result<String, String> {
    let mut con = pki
        .client(port, with_cert)
        .get_connection()
        .map_err(|e| e.to_string())?;
    redis::cmd("PING")
        .query::<String>(&mut con)
        .map_err(|e| e.to_string())
}

#[test]
fn round_trip_over_tls_with_a_client_certificate() {
    let pki = Pki::generate();
    let (server, tls_port) = start(&pki, "yes");
    let mut con = pki.client(tls_port, true).get_connection().unwrap();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    let got: String = redis::cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(got, "v");
    // A large value crosses many TLS records both ways.
    let big = "x".repeat(1 << 20);
    let _: () = redis::cmd("SET")
        .arg("big")
        .arg(&big)
        .query(&mut con)
        .unwrap();
    let back: String = redis::cmd("GET").arg("big").query(&mut con).unwrap();
    assert_eq!(back.len(), big.len());
    // The plain port keeps working beside TLS and sees the same data.
    let mut plain = server.conn();
    let got: String = redis::cmd("GET").arg("k").query(&mut plain).unwrap();
    assert_eq!(got, "v");
}

#[test]
fn async_round_trip_over_tls() {
    let pki = Pki::generate();
    let (_server, tls_port) = start(&pki, "yes");
    let client = pki.client(tls_port, true);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut con = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = redis::cmd("SET")
            .arg("a")
            .arg("1")
            .query_async(&mut con)
            .await
            .unwrap();
        let got: String = redis::cmd("GET")
            .arg("a")
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(got, "1");
    });
}

#[test]
fn client_certificates_under_each_tls_auth_clients() {
    let pki = Pki::generate();
    for (auth, without_cert_allowed) in [("yes", false), ("optional", true), ("no", true)] {
        let (_server, tls_port) = start(&pki, auth);
        let without = tls_ping(&pki, tls_port, false);
        if without_cert_allowed {
            assert_eq!(without.as_deref(), Ok("PONG"), "tls-auth-clients {auth}");
        } else {
            assert!(without.is_err(), "tls-auth-clients {auth}: {without:?}");
        }
        assert_eq!(
            tls_ping(&pki, tls_port, true).as_deref(),
            Ok("PONG"),
            "tls-auth-clients {auth} with a certificate"
        );
    }
}

#[test]
fn plain_text_on_the_tls_port_is_not_served() {
    use std::io::{Read, Write};
    let pki = Pki::generate();
    let (server, tls_port) = start(&pki, "no");
    let mut raw = std::net::TcpStream::connect(("127.0.0.1", tls_port)).unwrap();
    raw.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    raw.write_all(b"PING\r\n").unwrap();
    let mut buf = [0u8; 64];
    let n = raw.read(&mut buf).unwrap_or(0);
    assert!(!buf[..n].starts_with(b"+PONG"), "{:?}", &buf[..n]);
    // The server still answers others.
    let mut con = server.conn();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn redis_cli_tls_ping() {
    let supported = Command::new("redis-cli")
        .arg("--help")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("--tls"))
        .unwrap_or(false);
    if !supported {
        eprintln!("skipped: redis-cli is missing or built without TLS (no --tls option)");
        return;
    }
    let pki = Pki::generate();
    let (_server, tls_port) = start(&pki, "yes");
    let out = Command::new("redis-cli")
        .args(["--tls", "--cacert", &pki.path("ca.crt")])
        .args([
            "--cert",
            &pki.path("client.crt"),
            "--key",
            &pki.path("client.key"),
        ])
        .args(["-h", "127.0.0.1", "-p", &tls_port.to_string(), "PING"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stdout.trim(), "PONG", "stderr: {stderr}");
}

/// Starts the server with `args` and returns its exit code and output.
fn refused_start(args: &[&str]) -> (Option<i32>, String) {
    match TestServer::launch(temp_dir(), args) {
        Ok(_) => panic!("the server started with {args:?}"),
        Err(failure) => (failure.code, failure.output),
    }
}

#[test]
fn bad_tls_files_refuse_the_start_naming_the_file() {
    let pki = Pki::generate();
    let port = free_port().to_string();
    let missing = pki.dir.join("missing.crt").display().to_string();
    let garbage = pki.dir.join("garbage.key");
    std::fs::write(&garbage, "not a key\n").unwrap();
    let garbage = garbage.display().to_string();
    let cases: [(&str, &str, &str); 3] = [
        ("tls-cert-file", &missing, &pki.path("server.key")),
        ("tls-key-file", &pki.path("server.crt"), &garbage),
        // A key that does not belong to the certificate.
        (
            "tls-key-file",
            &pki.path("server.crt"),
            &pki.path("client.key"),
        ),
    ];
    for (directive, cert, key) in cases {
        let (code, output) = refused_start(&[
            "--tls-port",
            &port,
            "--tls-cert-file",
            cert,
            "--tls-key-file",
            key,
            "--tls-auth-clients",
            "no",
        ]);
        assert_eq!(code, Some(1), "{output}");
        let named = if directive == "tls-cert-file" {
            cert
        } else {
            key
        };
        assert!(
            output.contains(directive) && output.contains(named),
            "{directive}: {output}"
        );
    }
    // tls-auth-clients yes needs a CA file.
    let (code, output) = refused_start(&[
        "--tls-port",
        &port,
        "--tls-cert-file",
        &pki.path("server.crt"),
        "--tls-key-file",
        &pki.path("server.key"),
    ]);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("tls-ca-cert-file"), "{output}");
}

/// `CONFIG SET` of the TLS files or `tls-auth-clients` rebuilds the TLS
/// context for new connections, as Redis 7.0; files that cannot be used
/// change nothing, with Redis's error text. `tls-port` stays immutable.
#[test]
fn config_set_reloads_tls_for_new_connections() {
    let (old, new) = (Pki::generate(), Pki::generate());
    let (server, tls_port) = start(&old, "no");
    let mut admin = server.conn();
    let set = |admin: &mut redis::Connection, pairs: &[(&str, String)]| {
        let mut cmd = redis::cmd("CONFIG");
        cmd.arg("SET");
        for (name, value) in pairs {
            cmd.arg(*name).arg(value);
        }
        cmd.query::<()>(admin).map_err(|e| e.to_string())
    };
    let mut open = old.client(tls_port, false).get_connection().unwrap();
    // A certificate without its key: refused, the old context stays.
    let refused = set(&mut admin, &[("tls-cert-file", new.path("server.crt"))]).unwrap_err();
    assert!(
        refused.contains(
            "CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs."
        ),
        "{refused}"
    );
    let cert: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("tls-cert-file")
        .query(&mut admin)
        .unwrap();
    assert_eq!(cert, ["tls-cert-file".to_string(), old.path("server.crt")]);
    assert_eq!(tls_ping(&old, tls_port, false).as_deref(), Ok("PONG"));
    // Both files: new connections get the new certificate.
    set(
        &mut admin,
        &[
            ("tls-cert-file", new.path("server.crt")),
            ("tls-key-file", new.path("server.key")),
        ],
    )
    .unwrap();
    assert_eq!(tls_ping(&new, tls_port, false).as_deref(), Ok("PONG"));
    assert!(tls_ping(&old, tls_port, false).is_err());
    // A connection made before the switch keeps working.
    assert_eq!(
        redis::cmd("PING").query::<String>(&mut open).unwrap(),
        "PONG"
    );
    // Client certificates required from now on, signed by the new CA.
    set(
        &mut admin,
        &[
            ("tls-auth-clients", "yes".to_string()),
            ("tls-ca-cert-file", new.path("ca.crt")),
        ],
    )
    .unwrap();
    assert!(tls_ping(&new, tls_port, false).is_err());
    assert_eq!(tls_ping(&new, tls_port, true).as_deref(), Ok("PONG"));
    let immutable = set(&mut admin, &[("tls-port", "1".to_string())]).unwrap_err();
    assert!(
        immutable.contains("can't set immutable config"),
        "{immutable}"
    );
}

/// Without a TLS listener the values are only stored, as Redis does.
#[test]
fn tls_settings_without_tls_are_stored() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("tls-cert-file")
        .arg("/no/such/file.crt")
        .query(&mut con)
        .unwrap();
    let cert: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("tls-cert-file")
        .query(&mut con)
        .unwrap();
    assert_eq!(cert, ["tls-cert-file", "/no/such/file.crt"]);
}
