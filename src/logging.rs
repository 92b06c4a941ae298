//! fleet's own log: a file, never the terminal (the TUI owns it). FLEET_LOG sets the filter
//! (e.g. FLEET_LOG=debug). Nothing secret is ever logged: no env values, no key material.
//! The file is capped: past `MAX_BYTES` it becomes `fleet.log.1` (the one before is dropped),
//! so a week of TUI never fills a disk.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// One file's size before it is rotated: two of them at most are kept.
pub const MAX_BYTES: u64 = 4 << 20;

/// Starts file logging; returns the guard that flushes on drop, or None when no log directory
/// can be made (fleet then runs without a log rather than failing).
pub fn init() -> Option<WorkerGuard> {
    let dir = crate::config::paths::log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let file = Capped::open(dir.join("fleet.log"), MAX_BYTES).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("FLEET_LOG").unwrap_or_else(|_| EnvFilter::new("warn,fleet=info"));
    tracing_subscriber::fmt().with_writer(writer).with_ansi(false).with_env_filter(filter).try_init().ok()?;
    Some(guard)
}

/// A log file that rotates itself once it holds `limit` bytes.
pub struct Capped {
    path: PathBuf,
    file: File,
    size: u64,
    limit: u64,
}

impl Capped {
    pub fn open(path: PathBuf, limit: u64) -> std::io::Result<Capped> {
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let size = file.metadata()?.len();
        Ok(Capped { path, file, size, limit })
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        let old: PathBuf = rotated(&self.path);
        std::fs::rename(&self.path, old)?;
        self.file = OpenOptions::new().create(true).append(true).open(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

fn rotated(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".1");
    path.with_file_name(name)
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.size > 0 && self.size + buf.len() as u64 > self.limit {
            // Rotation failing (a read-only directory) is no reason to lose the line.
            let _ = self.rotate();
        }
        let n = self.file.write(buf)?;
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_never_grows_past_two_files_of_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.log");
        let mut log = Capped::open(path.clone(), 1000).unwrap();
        let line = [b'x'; 99];
        for _ in 0..500 {
            log.write_all(&line).unwrap();
            log.write_all(b"\n").unwrap();
        }
        log.flush().unwrap();
        let now = std::fs::metadata(&path).unwrap().len();
        let before = std::fs::metadata(rotated(&path)).unwrap().len();
        assert!(now <= 1000 && before <= 1000, "{now} and {before} bytes");
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 2, "fleet.log and fleet.log.1, nothing more");
        // Reopening continues the same file and keeps counting.
        let mut again = Capped::open(path.clone(), 1000).unwrap();
        again.write_all(&[b'y'; 2000]).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() <= 2000);
    }
}
