//! Reading an app's env from its hosts: the env files of its units in one command per host.

use super::table::{FileRead, FileState, ProcessEnv, process_env};
use crate::actions::HostTarget;
use crate::backend::{Backend, commands};
use crate::model::{HostError, HostErrorKind, Process};

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

/// The env of every given process on one host (one round trip).
pub async fn host_env(backend: &Backend, target: &HostTarget, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError> {
    if let Backend::Kube(k) = backend {
        return crate::kube::env::process_envs(k, processes).await;
    }
    let mut paths: Vec<String> = Vec::new();
    for p in processes {
        for f in &p.env_files {
            let path = f.strip_prefix('-').unwrap_or(f).to_string();
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    let files = if paths.is_empty() {
        Vec::new()
    } else {
        let out = backend.exec(&commands::read_env_files(&paths, target.as_root)).await?;
        if out.status != Some(0) {
            let err = crate::actions::command_error(&target.host, &String::from_utf8_lossy(&out.stderr), out.status);
            return Err(HostError::new(HostErrorKind::Command, err));
        }
        parse_files(&String::from_utf8_lossy(&out.stdout))
    };
    Ok(processes.iter().map(|p| process_env(&target.host, &p.process, &p.source, &p.environment, &p.env_files, &files)).collect())
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
