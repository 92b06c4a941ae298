//! Splits the discovery script's output into its `@@fleet <name>` sections, and small readers for
//! the fact sections.

use std::collections::HashMap;

pub struct Sections<'a> {
    parts: HashMap<&'a str, &'a str>,
    /// The word after `@@fleet systemd`: a version number or "none".
    pub systemd: Option<String>,
    /// Whether the closing `@@fleet end` arrived: a cut-off output is an error, not "no apps".
    pub complete: bool,
}

impl<'a> Sections<'a> {
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.parts.get(name).copied()
    }
}

pub fn split(output: &str) -> Sections<'_> {
    let mut parts = HashMap::new();
    let mut systemd = None;
    let mut complete = false;
    let mut current: Option<(&str, usize)> = None;
    let mut offset = 0;
    for line in output.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let Some(header) = line.trim_end().strip_prefix("@@fleet ") else { continue };
        if let Some((name, body_start)) = current.take() {
            parts.insert(name, &output[body_start..start]);
        }
        let mut words = header.splitn(2, ' ');
        let name = words.next().unwrap_or("");
        match name {
            "end" => {
                complete = true;
                break;
            }
            "systemd" => systemd = Some(words.next().unwrap_or("").trim().to_string()),
            _ => current = Some((name, offset)),
        }
        let _ = start;
    }
    if let Some((name, body_start)) = current {
        parts.insert(name, &output[body_start..]);
    }
    Sections { parts, systemd, complete }
}

/// PRETTY_NAME from os-release text, unquoted.
pub fn os_pretty_name(text: &str) -> Option<String> {
    text.lines().find_map(|l| l.strip_prefix("PRETTY_NAME=")).map(|v| v.trim().trim_matches('"').to_string())
}

/// Seconds since boot from /proc/uptime.
pub fn uptime_secs(text: &str) -> Option<u64> {
    text.split_whitespace().next()?.parse::<f64>().ok().map(|s| s as u64)
}
