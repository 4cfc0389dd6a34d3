//! `framekv-server [CONFIG_FILE] [--directive value ...]`: a Redis-protocol
//! server with native data-frame editing sessions.
//!
//! Start-up, as `redis-server`: read the optional config file, apply the
//! command-line overrides, set up logging, then serve until SIGINT, SIGTERM
//! or `SHUTDOWN` (exit status 0). A configuration error prints Redis's
//! `*** FATAL CONFIG FILE ERROR ***` block to stderr and exits with status 1.

mod background;
mod connection;
mod server;
mod tls;

// The request decoder and the config parser are the library's (`src/lib.rs`),
// where the fuzz targets reach them too.
use framekv::{config, protocol};

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use commands::memory::CountingAlloc;
use tracing::level_filters::LevelFilter;

/// Counts live heap bytes for `INFO memory` and `maxmemory`.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The command line: an optional config file, then `--directive value ...`
/// overrides of any config directive (see `redis.conf.example`).
#[derive(Parser, Debug)]
#[command(name = "framekv-server", version, about, long_about = None)]
struct Cli {
    /// `[CONFIG_FILE] [--port 6379] [--bind 127.0.0.1] [--dir PATH] [--<directive> VALUE ...]`
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    args: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (config_file, overrides) = match cli.args.split_first() {
        Some((first, rest)) if !first.starts_with("--") => (Some(PathBuf::from(first)), rest),
        _ => (None, cli.args.as_slice()),
    };
    // Resolve the file before a `dir` directive changes the working directory.
    let config_file = config_file.map(|f| std::path::absolute(&f).unwrap_or(f));
    let live = commands::config::Config::default();
    if let Err(e) = config::load(&live, config_file.as_deref(), overrides) {
        // Logging is not set up yet (its settings are in the config): stderr.
        eprintln!("{e}");
        return ExitCode::from(1);
    }
    if let Err(e) = init_logging(&live.get("loglevel"), &live.get("logfile")) {
        eprintln!("Can't open the log file: {e}");
        return ExitCode::from(1);
    }
    let server = Arc::new(commands::Server::new(live, config_file));
    if let Err(e) = load_acl_file(&server) {
        tracing::error!("{e}");
        eprintln!("{e}");
        return ExitCode::from(1);
    }
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        port = server.config.get_i64("port"),
        pid = std::process::id(),
        config_file = %server.config_file.as_ref().map_or("-".into(), |f| f.display().to_string()),
        "framekv starting"
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(server::run(server));
    // Blocking-pool jobs (a frame op, a blocked command) get a grace period;
    // the process exits regardless after it.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    match result {
        Ok(()) => {
            tracing::info!("framekv is now ready to exit, bye bye...");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!(error = %e, "framekv stopped on an error");
            ExitCode::from(1)
        }
    }
}

/// Logs to stderr, or appends to `logfile` when set, at the level named by
/// `loglevel` (`debug`/`verbose` → debug, `notice` → info, `warning` → warn).
fn init_logging(loglevel: &str, logfile: &str) -> std::io::Result<()> {
    let level = match loglevel {
        "debug" | "verbose" => LevelFilter::DEBUG,
        "warning" => LevelFilter::WARN,
        _ => LevelFilter::INFO,
    };
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false);
    if logfile.is_empty() {
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        builder.with_writer(std::io::stderr).with_ansi(ansi).init();
    } else {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logfile)?;
        builder
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .init();
    }
    Ok(())
}

/// Loads `aclfile`, if set, as Redis 7.0 does at start. Error (the start is
/// refused): the file's error, or users both in the config file and in an
/// ACL file.
fn load_acl_file(server: &commands::Server) -> Result<(), String> {
    let path = server.config.get("aclfile");
    if path.is_empty() {
        return Ok(());
    }
    if !server.config.user_lines.lock().is_empty() {
        return Err("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.".into());
    }
    server.acl.load_file(std::path::Path::new(&path))
}
