//! The CLI's passphrase prompt for encrypted keys without an agent: asked on the terminal,
//! once per key file, one prompt at a time even though hosts connect in parallel.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::transport::ssh::connect::PassphrasePrompt;

pub fn tty_passphrase() -> Option<PassphrasePrompt> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    let cache: Arc<Mutex<HashMap<PathBuf, Option<String>>>> = Arc::default();
    Some(Arc::new(move |file: &Path| {
        // Holding the lock while prompting keeps two hosts from prompting at once.
        let mut cache = cache.lock().ok()?;
        if let Some(v) = cache.get(file) {
            return v.clone();
        }
        let answer = rpassword::prompt_password(format!("Enter passphrase for {}: ", file.display())).ok();
        cache.insert(file.to_path_buf(), answer.clone());
        answer
    }))
}
