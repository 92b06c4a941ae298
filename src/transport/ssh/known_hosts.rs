//! known_hosts checking the way OpenSSH does it: `[host]:port` entries, hashed entries (`|1|`),
//! wildcard and negated patterns, `@revoked` markers, tabs or spaces, and line numbers that
//! count every line, so "see known_hosts:12" points at the right one. (russh's own checker
//! handles none of wildcards, markers or tabs, and skips comment lines when counting.)

use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use russh::keys::ssh_key::{HashAlg, PublicKey};
use sha1::Sha1;

use crate::config::convention::glob_match;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Known,
    Unknown,
    Changed { file: PathBuf, line: usize },
    Revoked { file: PathBuf, line: usize },
}

/// The name OpenSSH looks a host up by: `host`, or `[host]:port` off port 22.
pub fn lookup_name(host: &str, port: u16) -> String {
    if port == 22 { host.to_string() } else { format!("[{host}]:{port}") }
}

pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Checks `key` for `name` (from `lookup_name`) against every file, in order.
pub fn check(name: &str, key: &PublicKey, files: &[PathBuf]) -> Verdict {
    let mut changed = None;
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        for (i, line) in text.lines().enumerate() {
            let Some(entry) = Entry::parse(line) else { continue };
            if !entry.matches_host(name) {
                continue;
            }
            let Ok(recorded) = PublicKey::from_openssh(&format!("{} {}", entry.key_type, entry.key_b64)) else {
                continue;
            };
            let same = recorded.key_data() == key.key_data();
            match entry.marker {
                Some("@revoked") if same => return Verdict::Revoked { file: file.clone(), line: i + 1 },
                Some(_) => continue,
                None if same => return Verdict::Known,
                None if recorded.algorithm() == key.algorithm() && changed.is_none() => {
                    changed = Some(Verdict::Changed { file: file.clone(), line: i + 1 });
                }
                None => {}
            }
        }
    }
    changed.unwrap_or(Verdict::Unknown)
}

/// Appends an accepted key to `file` (creating it and its directory), like
/// StrictHostKeyChecking=accept-new does.
pub fn learn(name: &str, key: &PublicKey, file: &Path) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut openssh = key.clone();
    openssh.set_comment("");
    let encoded = openssh.to_openssh().map_err(std::io::Error::other)?;
    let existing = std::fs::read(file).unwrap_or_default();
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(file)?;
    if !existing.is_empty() && !existing.ends_with(b"\n") {
        f.write_all(b"\n")?;
    }
    writeln!(f, "{name} {}", encoded.trim())
}

struct Entry<'a> {
    marker: Option<&'a str>,
    hosts: &'a str,
    key_type: &'a str,
    key_b64: &'a str,
}

impl<'a> Entry<'a> {
    fn parse(line: &'a str) -> Option<Self> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut w = line.split_whitespace();
        let mut first = w.next()?;
        let marker = if first.starts_with('@') {
            let m = first;
            first = w.next()?;
            Some(m)
        } else {
            None
        };
        Some(Entry { marker, hosts: first, key_type: w.next()?, key_b64: w.next()? })
    }

    /// A comma-separated pattern list: a negated match rules the host out; hashed entries match
    /// by HMAC-SHA1 of the name.
    fn matches_host(&self, name: &str) -> bool {
        let mut matched = false;
        for pattern in self.hosts.split(',') {
            if let Some(hashed) = pattern.strip_prefix("|1|") {
                matched |= hashed_matches(hashed, name);
            } else if let Some(neg) = pattern.strip_prefix('!') {
                if glob_match(neg, name) {
                    return false;
                }
            } else {
                matched |= glob_match(pattern, name);
            }
        }
        matched
    }
}

fn hashed_matches(hashed: &str, name: &str) -> bool {
    let Some((salt, hash)) = hashed.split_once('|') else { return false };
    let b64 = data_encoding::BASE64;
    let (Ok(salt), Ok(hash)) = (b64.decode(salt.as_bytes()), b64.decode(hash.as_bytes())) else { return false };
    let Ok(mac) = Hmac::<Sha1>::new_from_slice(&salt) else { return false };
    mac.chain_update(name.as_bytes()).verify_slice(&hash).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKsXdGHa3JHUR6cbDKa0MqRtq2eGsjmgVTYKvGPwIIg6";
    const KEY_B: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOkeOw4ld14bRHQX1p1YR3PPsyHKsVnaE4hZgu9r3+Jp";

    fn key(s: &str) -> PublicKey {
        PublicKey::from_openssh(s).unwrap()
    }

    fn file(text: &str) -> (tempfile::TempDir, Vec<PathBuf>) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("known_hosts");
        std::fs::write(&p, text).unwrap();
        (dir, vec![p])
    }

    #[test]
    fn port_entries_tabs_and_comments() {
        let (_d, f) = file(&format!("# comment\n\n[127.0.0.1]:2201\t{KEY_A}\n"));
        assert_eq!(check("[127.0.0.1]:2201", &key(KEY_A), &f), Verdict::Known);
        assert_eq!(check("127.0.0.1", &key(KEY_A), &f), Verdict::Unknown);
    }

    #[test]
    fn changed_key_names_the_right_line() {
        let (_d, f) = file(&format!("# one\n# two\nother {KEY_B}\nlon-1 {KEY_B}\n"));
        assert_eq!(check("lon-1", &key(KEY_A), &f), Verdict::Changed { file: f[0].clone(), line: 4 });
    }

    #[test]
    fn wildcards_negation_and_revoked() {
        let (_d, f) = file(&format!("*.example.com,!bad.example.com {KEY_A}\n@revoked * {KEY_B}\n"));
        assert_eq!(check("a.example.com", &key(KEY_A), &f), Verdict::Known);
        assert_eq!(check("bad.example.com", &key(KEY_A), &f), Verdict::Unknown);
        assert!(matches!(check("x", &key(KEY_B), &f), Verdict::Revoked { line: 2, .. }));
    }

    #[test]
    fn hashed_entries() {
        // `ssh-keygen -H` output for "lon-1" with a fixed salt, computed here.
        let salt = [7u8; 20];
        let mac = Hmac::<Sha1>::new_from_slice(&salt).unwrap().chain_update(b"lon-1").finalize().into_bytes();
        let b64 = data_encoding::BASE64;
        let line = format!("|1|{}|{} {KEY_A}\n", b64.encode(&salt), b64.encode(&mac));
        let (_d, f) = file(&line);
        assert_eq!(check("lon-1", &key(KEY_A), &f), Verdict::Known);
        assert_eq!(check("lon-2", &key(KEY_A), &f), Verdict::Unknown);
    }

    #[test]
    fn learn_appends_and_is_then_known() {
        let (_d, f) = file("no-newline-at-end ssh-ed25519 AAAA");
        learn("[h]:2222", &key(KEY_A), &f[0]).unwrap();
        assert_eq!(check("[h]:2222", &key(KEY_A), &f), Verdict::Known);
        assert!(std::fs::read_to_string(&f[0]).unwrap().ends_with('\n'));
    }
}
