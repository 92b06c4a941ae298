//! The naming convention that turns units (and later containers and workloads) into apps.

use serde::Deserialize;

/// How apps are recognised. Every pattern is configurable in fleet.toml under `[convention]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Convention {
    /// Unit name patterns with `{app}` and `{process}` placeholders, tried in order.
    pub units: Vec<String>,
    /// Only units whose unit file (FragmentPath) lies under one of these directories are apps:
    /// installed by the administrator, not by a package.
    pub admin_unit_dirs: Vec<String>,
    /// The app's env file and code directory; `{app}` is replaced.
    pub env_file: String,
    pub code_dir: String,
    /// Process types in display order (the Procfile habit); any other suffix is accepted too.
    pub process_order: Vec<String>,
    /// App names (glob patterns) never shown.
    pub ignore_apps: Vec<String>,
    /// The Docker Engine's socket on each machine (default /var/run/docker.sock).
    pub docker_socket: Option<String>,
}

impl Default for Convention {
    fn default() -> Self {
        Convention {
            units: vec!["{app}-{process}.service".into(), "{app}@{process}.service".into()],
            admin_unit_dirs: vec!["/etc/systemd/system".into()],
            env_file: "/etc/{app}/env".into(),
            code_dir: "/srv/{app}".into(),
            process_order: ["web", "worker", "clock", "release"].map(String::from).to_vec(),
            ignore_apps: Vec::new(),
            docker_socket: None,
        }
    }
}

impl Convention {
    /// Checks the patterns once at load time so a typo is a config error, not silence.
    pub fn validate(&self) -> Result<(), String> {
        for p in &self.units {
            UnitPattern::parse(p)?;
        }
        Ok(())
    }

    pub fn unit_patterns(&self) -> Vec<UnitPattern> {
        self.units.iter().filter_map(|p| UnitPattern::parse(p).ok()).collect()
    }

    pub fn env_file_for(&self, app: &str) -> String {
        self.env_file.replace("{app}", app)
    }

    pub fn code_dir_for(&self, app: &str) -> String {
        self.code_dir.replace("{app}", app)
    }
}

/// A compiled unit-name pattern: literal text around `{app}` and `{process}`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitPattern {
    prefix: String,
    middle: String,
    suffix: String,
    app_first: bool,
}

impl UnitPattern {
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let app = pattern.find("{app}");
        let process = pattern.find("{process}");
        let (Some(a), Some(p)) = (app, process) else {
            return Err(format!("unit pattern {pattern:?} needs both {{app}} and {{process}}, e.g. \"{{app}}-{{process}}.service\""));
        };
        if pattern.matches("{app}").count() > 1 || pattern.matches("{process}").count() > 1 {
            return Err(format!("unit pattern {pattern:?} uses a placeholder twice"));
        }
        let (first, first_len, second, second_len) = if a < p { (a, 5, p, 9) } else { (p, 9, a, 5) };
        let middle = &pattern[first + first_len..second];
        if middle.is_empty() {
            return Err(format!("unit pattern {pattern:?} needs a separator between {{app}} and {{process}}"));
        }
        Ok(UnitPattern {
            prefix: pattern[..first].to_string(),
            middle: middle.to_string(),
            suffix: pattern[second + second_len..].to_string(),
            app_first: a < p,
        })
    }

    /// Splits a unit name into (app, process). With separators inside names ambiguous
    /// (`my-shop-web`), the app takes the longest part: process types are single words by habit.
    pub fn matches(&self, unit: &str) -> Option<(String, String)> {
        let inner = unit.strip_prefix(&self.prefix)?.strip_suffix(&self.suffix)?;
        let split = if self.app_first { inner.rfind(&self.middle)? } else { inner.find(&self.middle)? };
        let (first, second) = (&inner[..split], &inner[split + self.middle.len()..]);
        if first.is_empty() || second.is_empty() {
            return None;
        }
        let (app, process) = if self.app_first { (first, second) } else { (second, first) };
        Some((app.to_string(), process.to_string()))
    }
}

/// Shell-style glob with `*` and `?`, used for app and host patterns.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_pattern_gives_the_app_the_longest_part() {
        let p = UnitPattern::parse("{app}-{process}.service").unwrap();
        assert_eq!(p.matches("shop-web.service"), Some(("shop".into(), "web".into())));
        assert_eq!(p.matches("my-shop-worker.service"), Some(("my-shop".into(), "worker".into())));
        assert_eq!(p.matches("ssh.service"), None);
        assert_eq!(p.matches("-web.service"), None);
        assert_eq!(p.matches("shop-.service"), None);
        assert_eq!(p.matches("shop-web.socket"), None);
    }

    #[test]
    fn template_pattern() {
        let p = UnitPattern::parse("{app}@{process}.service").unwrap();
        assert_eq!(p.matches("billing@web.service"), Some(("billing".into(), "web".into())));
        assert_eq!(p.matches("billing@.service"), None);
    }

    #[test]
    fn process_first_pattern() {
        let p = UnitPattern::parse("app-{process}-{app}.service").unwrap();
        assert_eq!(p.matches("app-web-shop-eu.service"), Some(("shop-eu".into(), "web".into())));
    }

    #[test]
    fn bad_patterns_are_rejected() {
        assert!(UnitPattern::parse("{app}.service").is_err());
        assert!(UnitPattern::parse("{app}{process}.service").is_err());
    }

    #[test]
    fn globs() {
        assert!(glob_match("lab-*", "lab-1"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("db?", "db1"));
        assert!(!glob_match("lab-*", "prod-1"));
    }
}
