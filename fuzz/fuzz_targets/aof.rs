//! The AOF loader. The first byte picks what the rest is:
//!
//! * even: a manifest's text, through `Manifest::parse`; an accepted
//!   manifest renders to text that parses back to an equal manifest.
//! * `% 4 == 1`: a file's raw bytes, through the record decoder; the valid
//!   prefix it reports re-encodes to exactly those bytes, and the copying
//!   and zero-copy decoders agree.
//! * `% 4 == 3`: commands in RESP, framed as valid records (a fuzzer cannot
//!   forge CRC-32s) in the base file of a real AOF directory and replayed
//!   by the server's loader into a fresh server, snapshots of frames
//!   included. The seeds are AOFs that framekv wrote.
//!
//! Property: nothing panics, and the round trips above hold.

#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use bytes::{Bytes, BytesMut};
use commands::Server;
use commands::config::Config;
use framekv::protocol::request::{Limits, RequestDecoder};
use libfuzzer_sys::fuzz_target;
use persistence::manifest::{self, Manifest};
use persistence::record::{self, Tail};

const PREFIX: &str = manifest::DEFAULT_APPEND_FILENAME;

fuzz_target!(|data: &[u8]| run(data));

fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 | 2 => manifest_round_trip(rest),
        1 => decode_round_trip(rest),
        _ => replay(rest),
    }
}

fn manifest_round_trip(text: &[u8]) {
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    if let Ok(manifest) = Manifest::parse(text) {
        let rendered = manifest.render();
        let back = Manifest::parse(&rendered).expect("a rendered manifest parses");
        assert_eq!(back.render(), rendered);
    }
}

fn decode_round_trip(bytes: &[u8]) {
    let decoded = record::decode_all(bytes);
    let shared = record::decode_all_shared(&Bytes::copy_from_slice(bytes));
    assert_eq!(decoded.records, shared.records);
    assert_eq!(decoded.valid_len, shared.valid_len);
    let mut again = Vec::new();
    for argv in &decoded.records {
        record::encode(argv, &mut again);
    }
    assert_eq!(again, bytes[..decoded.valid_len]);
    if matches!(decoded.tail, Tail::Clean) {
        assert_eq!(decoded.valid_len, bytes.len());
    }
}

fn replay(resp: &[u8]) {
    let mut buf = BytesMut::from(resp);
    let mut decoder = RequestDecoder::default();
    let limits = Limits {
        max_bulk_len: 1 << 20,
        authenticated: true,
    };
    let mut file = Vec::new();
    while let Ok(Some(argv)) = decoder.next(&mut buf, &limits) {
        if !argv.is_empty() {
            record::encode(&argv, &mut file);
        }
    }
    if file.is_empty() {
        return;
    }
    let dir = aof_dir();
    std::fs::write(dir.join(manifest::base_file_name(PREFIX, 1)), &file)
        .expect("the scratch AOF directory is writable");
    let server = Arc::new(Server::new(Config::default(), None));
    // A command that fails or is unknown is the loader's error to report,
    // not a crash.
    let _ = commands::aof::replay(&server, dir, PREFIX, false);
}

/// A scratch AOF directory with a manifest naming one base file.
fn aof_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("framekv-fuzz-aof-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory under the temp dir");
        let manifest = format!(
            "file {} seq 1 type b\n",
            manifest::base_file_name(PREFIX, 1)
        );
        std::fs::write(dir.join(manifest::manifest_file_name(PREFIX)), manifest)
            .expect("the scratch directory was just made");
        dir
    })
}
