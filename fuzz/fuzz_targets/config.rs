//! redis.conf text through the config-file parser: line splitting, quotes
//! and escapes (`sdssplitargs` rules), directive look-up, every directive's
//! value parser, and `user` lines through the ACL rule parser.
//!
//! Properties: nothing panics; a file that was accepted can be read back
//! through `CONFIG GET *`, and every value it reports is accepted again by
//! the same directive (what the server prints, it reads).

#![no_main]

use std::path::Path;
use std::sync::Once;

use commands::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| run(data));

fn run(data: &[u8]) {
    static CWD: Once = Once::new();
    let scratch = std::env::temp_dir().join(format!("framekv-fuzz-config-{}", std::process::id()));
    CWD.call_once(|| std::fs::create_dir_all(&scratch).expect("a scratch directory"));
    // `dir` changes the working directory as it is read; start each input
    // from the same place.
    std::env::set_current_dir(&scratch).expect("the scratch directory exists");
    let config = Config::default();
    if framekv::config::apply_file(&config, Path::new("fuzz.conf"), data).is_err() {
        return;
    }
    std::env::set_current_dir(&scratch).expect("the scratch directory exists");
    let again = Config::default();
    for (name, value) in config.matching(b"*") {
        if let Err(e) = again.set_at_startup(name, &value) {
            panic!("CONFIG GET {name} gave {value:?}, which the parser refuses: {e}");
        }
    }
}
