//! Editing env vars in the TUI: one key's value, or a whole env file, in a text area. Saving
//! shows exactly what will change (values masked) behind a confirmation; the write is the same
//! atomic, hash-checked one as `fleet config:set`; afterwards fleet offers to restart.

use ratatui_textarea::TextArea;

use crate::env::write::{Change, diff};
use crate::model::HostTarget;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditTarget {
    /// One key, set on every host of the app.
    Key { app: String, key: String, targets: Vec<(HostTarget, String)> },
    /// One file on one host, as read (with its hash, to refuse if it changed meanwhile).
    File { app: String, target: Box<HostTarget>, path: String, sha: String, original: String },
}

#[derive(Clone)]
pub struct Editor {
    pub target: EditTarget,
    pub area: TextArea<'static>,
}

impl Editor {
    pub fn key(app: String, key: String, value: &str, targets: Vec<(HostTarget, String)>) -> Self {
        Editor { target: EditTarget::Key { app, key, targets }, area: TextArea::new(value.split('\n').map(String::from).collect()) }
    }

    pub fn file(app: String, target: HostTarget, path: String, sha: String, original: String) -> Self {
        let lines = original.lines().map(String::from).collect();
        Editor { target: EditTarget::File { app, target: Box::new(target), path, sha, original }, area: TextArea::new(lines) }
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    pub fn title(&self) -> String {
        match &self.target {
            EditTarget::Key { app, key, targets } => format!("{app}: {key} (on {} host(s))", targets.len()),
            EditTarget::File { target, path, .. } => format!("{path} on {}", target.host),
        }
    }

    /// What saving would do: the confirmation's title, its lines (masked) and the effect.
    pub fn plan(&self) -> Result<(String, Vec<String>, super::Effect), String> {
        match &self.target {
            EditTarget::Key { app, key, targets } => {
                let value = self.text();
                let change = Change::Set(vec![(key.clone(), value.clone())]);
                let mut lines: Vec<String> = targets.iter().map(|(t, path)| format!("{}: {path}", t.host)).collect();
                lines.push(format!("+ {key}={}", crate::env::mask::masked(key, &value)));
                lines.push("then you will be asked about restarting the app".into());
                Ok((format!("Set {key} for {app}?"), lines, super::Effect::WriteEnv { app: app.clone(), targets: targets.clone(), change }))
            }
            EditTarget::File { app, target, path, sha, original } => {
                let mut text = self.text();
                if original.ends_with('\n') && !text.ends_with('\n') {
                    text.push('\n');
                }
                let mut lines = diff(original, &text, false);
                if lines.is_empty() {
                    return Err("no change to save".into());
                }
                let parsed = crate::env::parse::parse(&text);
                for i in &parsed.invalid {
                    lines.push(format!("warning: line {}: {} (systemd will ignore it)", i.line, i.reason));
                }
                Ok((
                    format!("Write {path} on {}?", target.host),
                    lines,
                    super::Effect::WriteEnvFile {
                        app: app.clone(),
                        target: (**target).clone(),
                        path: path.clone(),
                        sha: sha.clone(),
                        text,
                    },
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AppRunSpec;
    use crate::model::HostId;

    static TEST: crate::model::PlatformInfo = crate::model::PlatformInfo {
        name: "test",
        caps: crate::model::Capabilities::ALL,
        plan: |_, _| vec![],
        label: |p| p.source.clone(),
        rollout_each: false,
    };

    fn target() -> HostTarget {
        HostTarget {
            host: HostId("lon-1".into()),
            units: vec![],
            as_root: true,
            platform: crate::model::PlatformRef(&TEST),
            run: AppRunSpec { user: None, working_dir: None, env_files: vec![] },
            exec: Default::default(),
        }
    }

    #[test]
    fn a_whole_file_edit_shows_a_masked_diff_and_keeps_the_hash() {
        let mut ed = Editor::file("shop".into(), target(), "/etc/shop/env".into(), "abc".into(), "# c\nPORT=1\nAPI_KEY=old\n".into());
        assert!(ed.plan().is_err(), "no change, nothing to save");
        ed.area = TextArea::new(vec!["# c".into(), "PORT=2".into(), "API_KEY=new".into(), "oops no equals".into()]);
        let (title, lines, effect) = ed.plan().unwrap();
        assert_eq!(title, "Write /etc/shop/env on lon-1?");
        assert!(lines.contains(&"+ API_KEY=••••••••".to_string()) && lines.contains(&"- PORT=1".to_string()), "{lines:?}");
        assert!(lines.iter().any(|l| l.starts_with("warning: line 4")), "{lines:?}");
        let super::super::Effect::WriteEnvFile { sha, text, .. } = effect else { panic!() };
        assert_eq!((sha.as_str(), text.as_str()), ("abc", "# c\nPORT=2\nAPI_KEY=new\noops no equals\n"));
    }
}
