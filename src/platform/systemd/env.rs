//! An app's env on a systemd host, as systemd builds it: each unit's Environment= and its
//! EnvironmentFile= files, read in one command per host.

use crate::env::read::parse_files;
use crate::env::table::process_env;
use crate::model::{HostError, HostErrorKind, HostTarget, Process, ProcessEnv};
use crate::platform::machine::command_error;
use crate::platform::machine::commands;
use crate::transport::Transport;

/// The env of every given process on one host (one round trip).
pub async fn host_env(transport: &Transport, target: &HostTarget, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError> {
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
        let out = transport.exec(&commands::read_env_files(&paths, target.as_root)).await?;
        if out.status != Some(0) {
            let err = command_error(&target.host, &String::from_utf8_lossy(&out.stderr), out.status);
            return Err(HostError::new(HostErrorKind::Command, err));
        }
        parse_files(&String::from_utf8_lossy(&out.stdout))
    };
    Ok(processes.iter().map(|p| process_env(&target.host, &p.process, &p.source, &p.environment, &p.env_files, &files)).collect())
}
