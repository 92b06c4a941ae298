//! Authentication as OpenSSH orders it: the agent's keys first, then the IdentityFile keys.
//! No password authentication.

use std::path::Path;
use std::sync::Arc;

use russh::client::Handle;
use russh::keys::agent::client::AgentClient;
use russh::keys::{PrivateKeyWithHashAlg, PublicKey};

use super::connect::PassphrasePrompt;
use super::handler::ClientHandler;
use crate::config::ssh_config::ResolvedSsh;
use crate::model::{HostError, HostErrorKind};

pub async fn authenticate(
    handle: &mut Handle<ClientHandler>,
    r: &ResolvedSsh,
    passphrase: Option<&PassphrasePrompt>,
) -> Result<(), HostError> {
    let rsa_hash = handle.best_supported_rsa_hash().await.ok().flatten().flatten();
    let mut tried: Vec<String> = Vec::new();
    let mut encrypted: Vec<String> = Vec::new();
    // With IdentitiesOnly, only the agent keys that match an IdentityFile's public key.
    let wanted: Vec<PublicKey> = r.identity_files.iter().filter_map(|f| russh::keys::load_public_key(pub_path(f)).ok()).collect();

    if std::env::var_os("SSH_AUTH_SOCK").is_some_and(|s| !s.is_empty())
        && let Ok(mut agent) = AgentClient::connect_env().await
    {
        let identities = agent.request_identities().await.unwrap_or_default();
        let mut offered = 0;
        for id in identities {
            let key = id.public_key().into_owned();
            if r.identities_only && !wanted.iter().any(|w| w.key_data() == key.key_data()) {
                continue;
            }
            offered += 1;
            let hash = if key.algorithm().is_rsa() { rsa_hash } else { None };
            if let Ok(res) = handle.authenticate_publickey_with(r.user.clone(), key, hash, &mut agent).await
                && res.success()
            {
                return Ok(());
            }
        }
        if offered > 0 {
            tried.push(format!("{offered} agent key(s)"));
        }
    }

    for file in &r.identity_files {
        if !file.exists() {
            continue;
        }
        let key = match russh::keys::load_secret_key(file, None) {
            Ok(k) => k,
            Err(russh::keys::Error::KeyIsEncrypted) => {
                let Some(pass) = passphrase.and_then(|ask| ask(file)) else {
                    encrypted.push(file.display().to_string());
                    continue;
                };
                match russh::keys::load_secret_key(file, Some(&pass)) {
                    Ok(k) => k,
                    Err(_) => {
                        encrypted.push(format!("{} (wrong passphrase)", file.display()));
                        continue;
                    }
                }
            }
            Err(e) => {
                tracing::warn!(file = %file.display(), "cannot read identity file: {e}");
                continue;
            }
        };
        tried.push(file.display().to_string());
        let key = PrivateKeyWithHashAlg::new(Arc::new(key), rsa_hash);
        match handle.authenticate_publickey(r.user.clone(), key).await {
            Ok(res) if res.success() => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(HostError::new(HostErrorKind::Auth, format!("authentication failed: {e}"))),
        }
    }

    let mut msg = format!("{}@{} refused our keys", r.user, r.alias);
    if tried.is_empty() {
        msg.push_str(" (no keys to offer: no agent keys and no readable IdentityFile)");
    } else {
        msg.push_str(&format!(" (tried {})", tried.join(", ")));
    }
    if !encrypted.is_empty() {
        msg.push_str(&format!("; {} is encrypted: run ssh-add", encrypted.join(", ")));
    }
    Err(HostError::new(HostErrorKind::Auth, msg))
}

fn pub_path(private: &Path) -> std::path::PathBuf {
    let mut s = private.as_os_str().to_owned();
    s.push(".pub");
    s.into()
}
