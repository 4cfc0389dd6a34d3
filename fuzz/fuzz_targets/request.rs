//! Bytes off a socket, through the whole read path: the request decoder
//! (RESP multibulk and inline, with the server's limits), command look-up,
//! arity, ACL and argument checks, the command itself against a fresh
//! in-process server, its deferred frame work, and the reply encoder.
//!
//! Property: nothing panics, whatever the bytes. A decoder error ends the
//! input, as it closes the connection.
//!
//! Left out, because they do what they should but stall a fuzzer: scripts
//! (`while true do end` runs until `SCRIPT KILL`, which no second client
//! sends here), and the commands that start background writers on files
//! (`BGREWRITEAOF`, `SAVE`, `BGSAVE`, `CONFIG SET appendonly`, `SHUTDOWN`;
//! the persistence tests cover them). DEBUG stays disabled, as by default.

#![no_main]

use std::sync::{Arc, Once};

use bytes::{Bytes, BytesMut};
use commands::config::Config;
use commands::{Ctx, Reply, Server, dispatch};
use framekv::protocol::encode::{encode, encode_push};
use framekv::protocol::request::{Limits, RequestDecoder};
use libfuzzer_sys::fuzz_target;

/// Commands per input: enough for MULTI ... EXEC and chains of edits, and a
/// bound on the time one input takes.
const MAX_COMMANDS: usize = 64;

fuzz_target!(|data: &[u8]| run(data));

fn run(data: &[u8]) {
    static CWD: Once = Once::new();
    // Whatever a command writes relative to `dir` lands in a scratch folder.
    CWD.call_once(|| {
        let dir = std::env::temp_dir().join(format!("framekv-fuzz-request-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory under the temp dir");
        std::env::set_current_dir(&dir).expect("the scratch directory was just made");
    });
    let config = Config::default();
    // The smallest bulk limit Redis accepts (1 MiB) keeps SETRANGE, SETBIT
    // and FRAME.LOAD inside libFuzzer's memory limit.
    config
        .set_at_startup("proto-max-bulk-len", "1mb")
        .expect("1mb is a valid proto-max-bulk-len");
    let server = Arc::new(Server::new(config, None));
    let mut client = server
        .clients
        .connect("127.0.0.1:1".into(), "127.0.0.1:6379".into());
    // As a new connection: the default user has no password.
    client.authenticated = server.acl.default_needs_no_auth();
    let mut buf = BytesMut::from(data);
    let mut decoder = RequestDecoder::default();
    let mut output = BytesMut::new();
    for _ in 0..MAX_COMMANDS {
        let limits = Limits {
            max_bulk_len: server.config.get_i64("proto-max-bulk-len") as u64,
            authenticated: client.authenticated,
        };
        let argv = match decoder.next(&mut buf, &limits) {
            Ok(Some(argv)) => argv,
            Ok(None) | Err(_) => break,
        };
        if argv.is_empty() || left_out(&argv) {
            continue;
        }
        let reply = {
            let mut ctx = Ctx::new(&server, &mut client);
            dispatch::execute(&mut ctx, argv)
        };
        let reply = match reply {
            Reply::Deferred(deferred) => (deferred.0)(),
            // Nothing else writes here to serve a blocked client.
            Reply::Block(_) => Reply::NullArray,
            reply => reply,
        };
        // Under `appendfsync always` the connection waits on this; no AOF here.
        drop(commands::aof::take_pending());
        let resp3 = client.resp >= 3;
        while let Ok(item) = client.pushes.try_recv() {
            client.handle.output.taken(&item);
            if let commands::client::Outgoing::Push(items) = item {
                encode_push(&mut output, &items, resp3);
            }
        }
        encode(&mut output, &reply, resp3);
        output.clear();
        if client.close_after_reply || server.shutdown_requested() {
            break;
        }
    }
    server.clients.disconnect(client.id);
}

/// The commands this target does not run (see the module docs for why).
fn left_out(argv: &[Bytes]) -> bool {
    const NAMES: &[&[u8]] = &[
        b"eval",
        b"evalsha",
        b"eval_ro",
        b"evalsha_ro",
        b"fcall",
        b"fcall_ro",
        b"bgrewriteaof",
        b"save",
        b"bgsave",
        b"shutdown",
    ];
    let name = &argv[0];
    if NAMES.iter().any(|n| name.eq_ignore_ascii_case(n)) {
        return true;
    }
    name.eq_ignore_ascii_case(b"config")
        && argv.get(1).is_some_and(|s| s.eq_ignore_ascii_case(b"set"))
        && argv.iter().any(|a| a.eq_ignore_ascii_case(b"appendonly"))
}
