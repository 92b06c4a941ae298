//! Which lines a user wants: processes, hosts, an include and an exclude regex. The same filter
//! serves `fleet logs` and the TUI log view.

use regex::Regex;

use crate::model::LogLine;

#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Empty: every process.
    pub processes: Vec<String>,
    /// Empty: every host.
    pub hosts: Vec<String>,
    pub grep: Option<Regex>,
    pub grep_v: Option<Regex>,
}

impl LogFilter {
    pub fn matches(&self, l: &LogLine) -> bool {
        (self.processes.is_empty() || self.processes.contains(&l.process))
            && (self.hosts.is_empty() || self.hosts.contains(&l.host.0))
            && self.grep.as_ref().is_none_or(|r| r.is_match(&l.message))
            && !self.grep_v.as_ref().is_some_and(|r| r.is_match(&l.message))
    }

    /// Only the parts a source can apply itself (hosts and processes decide which units to
    /// read); the regexes always run here, so their dialect is Rust's everywhere.
    pub fn has_text_filter(&self) -> bool {
        self.grep.is_some() || self.grep_v.is_some()
    }
}
