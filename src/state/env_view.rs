//! The app view's Env tab: the table of the app's variables, masked unless revealed.

use std::collections::BTreeSet;

use crate::env::table::AppEnvRow;

#[derive(Debug, Clone, PartialEq)]
pub struct EnvView {
    pub app: String,
    pub loading: bool,
    pub rows: Vec<AppEnvRow>,
    /// Invalid lines, missing files, unreadable files, hosts that failed.
    pub problems: Vec<String>,
    pub revealed: BTreeSet<String>,
    pub reveal_all: bool,
    /// The selected display line.
    pub cursor: usize,
}

impl EnvView {
    pub fn loading(app: String) -> Self {
        EnvView { app, loading: true, rows: Vec::new(), problems: Vec::new(), revealed: BTreeSet::new(), reveal_all: false, cursor: 0 }
    }

    pub fn is_revealed(&self, key: &str) -> bool {
        self.reveal_all || self.revealed.contains(key)
    }

    /// One display row per distinct value of a key.
    pub fn line_count(&self) -> usize {
        self.rows.iter().map(|r| r.grouped().len()).sum()
    }

    /// The key on display line `i`.
    pub fn key_at(&self, i: usize) -> Option<&str> {
        let mut n = 0;
        for r in &self.rows {
            n += r.grouped().len();
            if i < n {
                return Some(&r.key);
            }
        }
        None
    }
}

/// The app view's Add-ons tab.
#[derive(Debug, Clone, PartialEq)]
pub struct AddonsView {
    pub app: String,
    pub loading: bool,
    pub list: Vec<crate::addons::AddOn>,
    pub problems: Vec<String>,
    pub cursor: usize,
}

impl AddonsView {
    pub fn loading(app: String) -> Self {
        AddonsView { app, loading: true, list: Vec::new(), problems: Vec::new(), cursor: 0 }
    }
}
