//! The AOF directory: the manifest and the files it names (Redis 7's
//! multi-part layout), and the two changes a rewrite makes to them.
//!
//! A rewrite first adds a new incremental file to the manifest (durably,
//! before any record is written to it), switches the writer to it, writes
//! the new base from a snapshot taken at the switch, and finally installs
//! the base: the manifest then names the new base and the incremental files
//! from the switch on, and the older files are deleted. A crash at any
//! point leaves a manifest that replays to the same data.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use persistence::manifest::{
    self, FileEntry, FileKind, Manifest, base_file_name, incr_file_name, manifest_file_name,
};

/// The AOF directory and its current manifest.
pub struct AofFiles {
    /// `dir`/`appenddirname`, absolute: a later `CONFIG SET dir` changes
    /// where the next AOF is made, not the one in use (as Redis).
    pub dir: PathBuf,
    /// `appendfilename`, the prefix of every file name.
    pub prefix: String,
    /// What the manifest on disk says.
    pub manifest: Manifest,
}

impl AofFiles {
    /// Opens the AOF directory after loading: reads its manifest, or
    /// creates the directory, an empty incremental file (seq 1) and a
    /// manifest naming it. Errors: I/O, or an invalid manifest.
    pub fn open(dir: &Path, prefix: &str) -> io::Result<AofFiles> {
        fs::create_dir_all(dir)?;
        let path = dir.join(manifest_file_name(prefix));
        let manifest = match fs::read_to_string(&path) {
            Ok(text) => Manifest::parse(&text).map_err(io::Error::other)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Manifest::default(),
            Err(e) => return Err(e),
        };
        let mut files = AofFiles {
            dir: std::path::absolute(dir)?,
            prefix: prefix.to_string(),
            manifest,
        };
        if files.manifest.incrs.is_empty() {
            files.add_incr()?;
        }
        Ok(files)
    }

    /// The incremental file new records go to: the manifest's last.
    pub fn current_incr(&self) -> PathBuf {
        // `open` and `add_incr` guarantee at least one incremental file.
        let last = self.manifest.incrs.last().expect("an incremental file");
        self.dir.join(&last.name)
    }

    /// Creates the next incremental file and durably adds it to the
    /// manifest. Returns its path and sequence number.
    pub fn add_incr(&mut self) -> io::Result<(PathBuf, u64)> {
        let seq = self.manifest.incrs.last().map_or(1, |e| e.seq + 1);
        let name = incr_file_name(&self.prefix, seq);
        let path = self.dir.join(&name);
        File::create(&path)?.sync_all()?;
        let mut next = self.manifest.clone();
        next.incrs.push(FileEntry {
            name,
            seq,
            kind: FileKind::Incr,
        });
        self.write_manifest(next)?;
        Ok((path, seq))
    }

    /// Takes the last incremental file back out of the manifest and deletes
    /// it (a rewrite that failed before writing to it).
    pub fn remove_last_incr(&mut self) -> io::Result<()> {
        let mut next = self.manifest.clone();
        let Some(last) = next.incrs.pop() else {
            return Ok(());
        };
        if next.incrs.is_empty() {
            // Always keep a file to append to.
            return Ok(());
        }
        self.write_manifest(next)?;
        fs::remove_file(self.dir.join(&last.name))
    }

    /// Path for a rewrite's temporary base file.
    pub fn temp_base(&self) -> PathBuf {
        self.dir
            .join(format!("temp-rewriteaof-bg-{}.aof", std::process::id()))
    }

    /// Makes the finished, fsynced `temp` file the new base and drops every
    /// incremental file before `first_incr` (their records are in the base),
    /// then deletes the files no longer named. Returns the base's size.
    pub fn install_base(&mut self, temp: &Path, first_incr: u64) -> io::Result<u64> {
        let seq = self.manifest.base.as_ref().map_or(1, |b| b.seq + 1);
        let name = base_file_name(&self.prefix, seq);
        let size = fs::metadata(temp)?.len();
        fs::rename(temp, self.dir.join(&name))?;
        let mut next = Manifest {
            base: Some(FileEntry {
                name,
                seq,
                kind: FileKind::Base,
            }),
            history: Vec::new(),
            incrs: self.manifest.incrs.clone(),
        };
        next.incrs.retain(|e| e.seq >= first_incr);
        let old: Vec<FileEntry> = self
            .manifest
            .base
            .iter()
            .chain(&self.manifest.incrs)
            .chain(&self.manifest.history)
            .filter(|e| !next.incrs.contains(e))
            .cloned()
            .collect();
        self.write_manifest(next)?;
        for entry in old {
            if let Err(e) = fs::remove_file(self.dir.join(&entry.name)) {
                tracing::warn!(file = entry.name, error = %e, "cannot delete an old AOF file");
            }
        }
        Ok(size)
    }

    /// Size of the base file in bytes (0 without one).
    pub fn base_size(&self) -> u64 {
        self.manifest
            .base
            .as_ref()
            .and_then(|b| fs::metadata(self.dir.join(&b.name)).ok())
            .map_or(0, |m| m.len())
    }

    /// Total size of the base and incremental files, bytes.
    pub fn total_size(&self) -> u64 {
        self.manifest
            .base
            .iter()
            .chain(&self.manifest.incrs)
            .filter_map(|e| fs::metadata(self.dir.join(&e.name)).ok())
            .map(|m| m.len())
            .sum()
    }

    fn write_manifest(&mut self, next: Manifest) -> io::Result<()> {
        let name = manifest_file_name(&self.prefix);
        manifest::write_atomically(&self.dir, &name, next.render().as_bytes())?;
        self.manifest = next;
        Ok(())
    }
}
