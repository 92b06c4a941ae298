//! Reading env files from a host: the answer of `read_env_files`, each file's SHA-256 and text.

use super::table::{FileRead, FileState};

/// Parses `commands::read_env_files` output.
pub fn parse_files(output: &str) -> Vec<FileRead> {
    let mut out = Vec::new();
    let mut lines = output.lines();
    while let Some(l) = lines.next() {
        let Some(path) = l.strip_prefix("@@fleet file ") else { continue };
        let state = match lines.next() {
            Some("@@fleet missing") => FileState::Missing,
            Some("@@fleet unreadable") | None => FileState::Unreadable,
            Some(sha) => {
                let b64 = lines.next().unwrap_or("");
                match data_encoding::BASE64.decode(b64.trim().as_bytes()) {
                    Ok(bytes) => FileState::Read { sha256: sha.trim().to_string(), text: String::from_utf8_lossy(&bytes).into_owned() },
                    Err(_) => FileState::Unreadable,
                }
            }
        };
        out.push(FileRead { path: path.to_string(), state });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sections() {
        let out = "@@fleet file /etc/shop/env\nabc123\nUE9SVD04MDgwCg==\n@@fleet file /etc/none\n@@fleet missing\n@@fleet file /etc/secret\n@@fleet unreadable\n";
        let f = parse_files(out);
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].state, FileState::Read { sha256: "abc123".into(), text: "PORT=8080\n".into() });
        assert_eq!(f[1].state, FileState::Missing);
        assert_eq!(f[2].state, FileState::Unreadable);
    }
}
