//! What Dokku's own commands print, read. Pure: text in, facts out. The formats are Dokku's
//! (plugins/apps, plugins/ps, plugins/config and common.ReportSingleApp in its source):
//! - `dokku version`: `dokku version 0.38.21`;
//! - `apps:list --format json` (0.38.21 and later): `["blog","api"]`; before that, and with
//!   `--quiet`, one name a line, after a `=====> My Apps` header unless quiet;
//! - `ps:report APP --format json` (0.23 and later): one flat object of strings, its keys the
//!   report's flags without `--` (`deployed`, `running`, `restore`, `ps-restart-policy`,
//!   `status-web-1` = `running (CID: 05850b537eb)`); the text form has `Deployed:  true` lines;
//! - `config:export APP --format json`: `{"KEY":"value",…}`.

use std::collections::BTreeMap;

/// A Dokku version as (major, minor, patch).
pub type Version = (u32, u32, u32);

/// The first version whose `apps:list` takes `--format json`.
pub const APPS_LIST_JSON: Version = (0, 38, 21);

pub fn version(text: &str) -> Option<Version> {
    let v = text.split_whitespace().find(|w| w.trim_start_matches('v').starts_with(|c: char| c.is_ascii_digit()))?;
    let mut parts = v.trim_start_matches('v').split(['.', '-', '+']).map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next().flatten().unwrap_or(0)))
}

/// Dokku's app names: lowercase letters, digits and dashes, starting with a letter or digit.
/// Anything else from remote output is not used (it would reach a command line).
pub fn valid_app(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
}

/// `apps:list` in either format: the valid names, and the invalid ones (to say so).
pub fn apps(text: &str) -> (Vec<String>, Vec<String>) {
    let trimmed = text.trim();
    let names: Vec<String> = if trimmed.starts_with('[') {
        serde_json::from_str::<Vec<String>>(trimmed).unwrap_or_default()
    } else {
        trimmed
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("=====>") && !l.starts_with("!"))
            .map(String::from)
            .collect()
    };
    names.into_iter().partition(|n| valid_app(n))
}

/// An app's `ps:report`, as fleet uses it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PsReport {
    pub deployed: bool,
    pub running: Running,
    pub restore: bool,
    pub restart_policy: String,
    /// `status-web-1` → `running (CID: 05850b537eb)`, by dyno (`web.1`).
    pub status: BTreeMap<String, String>,
}

/// `Running:` says true, false or mixed (some process types up, some not).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Running {
    Yes,
    #[default]
    No,
    Mixed,
}

/// `ps:report APP` in either format (JSON, or the text Dokku prints without `--format`).
pub fn ps_report(text: &str) -> Result<PsReport, String> {
    let fields: BTreeMap<String, String> = if text.trim_start().starts_with('{') {
        serde_json::from_str(text.trim()).map_err(|e| format!("ps:report --format json: {e}"))?
    } else {
        // `       Ps restart policy:             on-failure:10` → ps-restart-policy.
        text.lines()
            .filter(|l| !l.trim_start().starts_with("=====>"))
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase().replace(' ', "-"), v.trim().to_string()))
            .collect()
    };
    if fields.is_empty() {
        return Err("ps:report printed nothing fleet can read".into());
    }
    let yes = |k: &str| fields.get(k).is_some_and(|v| v == "true");
    Ok(PsReport {
        deployed: yes("deployed"),
        running: match fields.get("running").map(String::as_str) {
            Some("true") => Running::Yes,
            Some("mixed") => Running::Mixed,
            _ => Running::No,
        },
        restore: yes("restore"),
        restart_policy: fields.get("ps-restart-policy").cloned().unwrap_or_default(),
        status: fields
            .iter()
            .filter_map(|(k, v)| {
                let dyno = k.strip_prefix("status-")?;
                let (proc, n) = dyno.rsplit_once('-')?;
                Some((format!("{proc}.{n}"), v.clone()))
            })
            .collect(),
    })
}

/// `config:export APP --format json`, in Dokku's order (by key).
pub fn config(text: &str) -> Result<Vec<(String, String)>, String> {
    let map: BTreeMap<String, String> = serde_json::from_str(text.trim()).map_err(|e| format!("config:export --format json: {e}"))?;
    Ok(map.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{}/fixtures/dokku/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn versions_and_app_lists_of_both_formats() {
        assert_eq!(version("dokku version 0.38.21"), Some((0, 38, 21)));
        assert_eq!(version("dokku version v0.37.4\n"), Some((0, 37, 4)));
        assert_eq!(version("-bash: dokku: command not found"), None);
        let want = (vec!["api".to_string(), "blog".to_string()], vec![]);
        assert_eq!(apps(&fixture("0.38/apps-list.json")), want);
        assert_eq!(apps(&fixture("0.37/apps-list.txt")), want);
        assert_eq!(apps("[]"), (vec![], vec![]));
        // A name Dokku itself would refuse is never used.
        assert_eq!(apps("blog\nx; rm -rf /\n").1, ["x; rm -rf /"]);
    }

    #[test]
    fn ps_reports_in_json_and_text_agree() {
        let json = ps_report(&fixture("0.38/ps-report-blog.json")).unwrap();
        let text = ps_report(&fixture("0.37/ps-report-blog.txt")).unwrap();
        assert_eq!(json, text);
        assert!(json.deployed && json.restore && json.running == Running::Yes);
        assert_eq!(json.restart_policy, "on-failure:10");
        assert_eq!(json.status.get("web.2").map(String::as_str), Some("running (CID: 3fa8c2d1e0b4)"));
        let api = ps_report(&fixture("0.38/ps-report-api.json")).unwrap();
        assert!(!api.deployed && api.running == Running::No && api.status.is_empty());
    }

    #[test]
    fn config_export() {
        let c = config(&fixture("0.38/config-export-blog.json")).unwrap();
        assert!(c.iter().any(|(k, v)| k == "SECRET_KEY_BASE" && v == "blog-not-a-secret"), "{c:?}");
        assert!(config("not json").is_err());
    }
}
