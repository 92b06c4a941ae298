//! The russh client handler: host key verification, and nothing else.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use russh::client::Handler;
use russh::keys::PublicKey;
use russh::keys::PublicKeyOrCertificate;

use super::known_hosts::{self, Verdict};

/// What the user allowed for keys we have not seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnknownKeyPolicy {
    Refuse,
    /// StrictHostKeyChecking=accept-new, or `--accept-new-host-keys`.
    AcceptNew,
    /// The user saw this fingerprint in the TUI prompt and accepted it: accept only that one.
    AcceptFingerprint(String),
}

/// What happened at host key verification, read after a failed connect to explain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOutcome {
    Accepted,
    Learned { file: PathBuf },
    Unknown { fingerprint: String },
    Changed { fingerprint: String, file: PathBuf, line: usize },
    Revoked { file: PathBuf, line: usize },
    LearnFailed { file: PathBuf, error: String },
    Certificate,
}

pub struct ClientHandler {
    pub lookup_name: String,
    pub known_hosts: Vec<PathBuf>,
    pub policy: UnknownKeyPolicy,
    pub outcome: Arc<Mutex<Option<KeyOutcome>>>,
}

impl ClientHandler {
    fn decide(&self, key: &PublicKey) -> KeyOutcome {
        let fingerprint = known_hosts::fingerprint(key);
        match known_hosts::check(&self.lookup_name, key, &self.known_hosts) {
            Verdict::Known => KeyOutcome::Accepted,
            Verdict::Changed { file, line } => KeyOutcome::Changed { fingerprint, file, line },
            Verdict::Revoked { file, line } => KeyOutcome::Revoked { file, line },
            Verdict::Unknown => {
                let accept = match &self.policy {
                    UnknownKeyPolicy::Refuse => false,
                    UnknownKeyPolicy::AcceptNew => true,
                    UnknownKeyPolicy::AcceptFingerprint(fp) => *fp == fingerprint,
                };
                if !accept {
                    return KeyOutcome::Unknown { fingerprint };
                }
                let Some(file) = self.known_hosts.first().cloned() else {
                    return KeyOutcome::LearnFailed { file: PathBuf::new(), error: "no known_hosts file configured".into() };
                };
                match known_hosts::learn(&self.lookup_name, key, &file) {
                    Ok(()) => KeyOutcome::Learned { file },
                    Err(e) => KeyOutcome::LearnFailed { file, error: e.to_string() },
                }
            }
        }
    }
}

impl Handler for ClientHandler {
    type Error = russh::Error;

    async fn check_server_key(&mut self, server_key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let outcome = match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => self.decide(key),
            // Host certificates need @cert-authority support; refuse rather than guess.
            PublicKeyOrCertificate::Certificate(_) => KeyOutcome::Certificate,
        };
        let ok = matches!(outcome, KeyOutcome::Accepted | KeyOutcome::Learned { .. });
        if let Ok(mut slot) = self.outcome.lock() {
            *slot = Some(outcome);
        }
        Ok(ok)
    }
}
