//! Themes: TOML files of semantic slots. The built-ins are embedded from themes/; a user theme
//! file overrides single slots. Call sites ask `theme.health(h)`, never for a raw colour.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use super::error::{ConfigError, parse_toml};
use crate::model::{Health, ProcessState};

pub const BUILTIN: [(&str, &str); 2] =
    [("dark", include_str!("../../themes/dark.toml")), ("light", include_str!("../../themes/light.toml"))];

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub fg: Color,
    pub bg: Color,
    pub muted: Color,
    pub accent: Color,
    pub ok: Color,
    pub warn: Color,
    pub danger: Color,
    pub info: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
    pub border: Color,
    pub border_focused: Color,
    pub title: Color,
    pub header: Color,
}

/// A theme file: every slot optional, so a user file can override just one. `base` names the
/// built-in it starts from.
#[derive(Debug, Default, Deserialize)]
struct ThemeFile {
    base: Option<String>,
    #[serde(flatten)]
    slots: BTreeMap<String, String>,
}

const SLOTS: [&str; 14] = [
    "fg",
    "bg",
    "muted",
    "accent",
    "ok",
    "warn",
    "danger",
    "info",
    "selection_fg",
    "selection_bg",
    "border",
    "border_focused",
    "title",
    "header",
];

impl Theme {
    pub fn builtin(name: &str) -> Option<Theme> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        let mut t = Theme::blank();
        t.apply(Path::new(name), text).ok()?;
        Some(t)
    }

    fn blank() -> Theme {
        Theme {
            fg: Color::Reset,
            bg: Color::Reset,
            muted: Color::DarkGray,
            accent: Color::Cyan,
            ok: Color::Green,
            warn: Color::Yellow,
            danger: Color::Red,
            info: Color::Blue,
            selection_fg: Color::Black,
            selection_bg: Color::Cyan,
            border: Color::DarkGray,
            border_focused: Color::Cyan,
            title: Color::White,
            header: Color::Cyan,
        }
    }

    fn apply(&mut self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let file: ThemeFile = parse_toml(path, text)?;
        for (slot, value) in &file.slots {
            let at = |message: String| {
                let (line, col) = super::error::line_col(text, text.find(slot.as_str()).unwrap_or(0));
                ConfigError::At { path: path.to_path_buf(), line, col, message }
            };
            let color: Color = value.parse().map_err(|_| at(format!("{slot}: {value:?} is not a colour")))?;
            let target = match slot.as_str() {
                "fg" => &mut self.fg,
                "bg" => &mut self.bg,
                "muted" => &mut self.muted,
                "accent" => &mut self.accent,
                "ok" => &mut self.ok,
                "warn" => &mut self.warn,
                "danger" => &mut self.danger,
                "info" => &mut self.info,
                "selection_fg" => &mut self.selection_fg,
                "selection_bg" => &mut self.selection_bg,
                "border" => &mut self.border,
                "border_focused" => &mut self.border_focused,
                "title" => &mut self.title,
                "header" => &mut self.header,
                other => return Err(at(format!("unknown theme slot {other:?}; slots are {}", SLOTS.join(", ")))),
            };
            *target = color;
        }
        Ok(())
    }

    /// `name_or_path` is a built-in name or a theme file (which may say `base = "light"`);
    /// `user_override` (theme.toml in the config dir) then overrides single slots.
    pub fn load(name_or_path: &str, user_override: Option<&Path>) -> Result<Theme, ConfigError> {
        let mut theme = match Theme::builtin(name_or_path) {
            Some(t) => t,
            None => {
                let path = super::paths::expand_tilde(name_or_path);
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| ConfigError::file(&path, format!("theme is neither a built-in (dark, light) nor a readable file: {e}")))?;
                let file: ThemeFile = parse_toml(&path, &text)?;
                let mut t = Theme::builtin(file.base.as_deref().unwrap_or("dark"))
                    .ok_or_else(|| ConfigError::file(&path, "base must be \"dark\" or \"light\""))?;
                t.apply(&path, &text)?;
                t
            }
        };
        if let Some(p) = user_override.filter(|p| p.exists()) {
            let text = std::fs::read_to_string(p).map_err(|e| ConfigError::file(p, e.to_string()))?;
            theme.apply(p, &text)?;
        }
        Ok(theme)
    }

    pub fn base(&self) -> Style {
        Style::default().fg(self.fg).bg(self.bg)
    }
    pub fn muted(&self) -> Style {
        Style::default().fg(self.muted)
    }
    pub fn accent(&self) -> Style {
        Style::default().fg(self.accent)
    }
    pub fn danger(&self) -> Style {
        Style::default().fg(self.danger)
    }
    pub fn warn(&self) -> Style {
        Style::default().fg(self.warn)
    }
    pub fn ok(&self) -> Style {
        Style::default().fg(self.ok)
    }
    pub fn header(&self) -> Style {
        Style::default().fg(self.header).add_modifier(Modifier::BOLD)
    }
    pub fn selection(&self) -> Style {
        Style::default().fg(self.selection_fg).bg(self.selection_bg)
    }
    pub fn border(&self, focused: bool) -> Style {
        Style::default().fg(if focused { self.border_focused } else { self.border })
    }
    pub fn title(&self, focused: bool) -> Style {
        let s = Style::default().fg(if focused { self.border_focused } else { self.title });
        if focused { s.add_modifier(Modifier::BOLD) } else { s }
    }
    pub fn health(&self, h: Health) -> Style {
        Style::default().fg(match h {
            Health::Up => self.ok,
            Health::Degraded => self.warn,
            Health::Down => self.danger,
            Health::Unknown => self.muted,
        })
    }
    pub fn process_state(&self, s: ProcessState) -> Style {
        Style::default().fg(match s {
            ProcessState::Running => self.ok,
            ProcessState::Starting | ProcessState::Stopping => self.warn,
            ProcessState::Failed => self.danger,
            ProcessState::Stopped | ProcessState::Unknown => self.muted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_load() {
        assert!(Theme::builtin("dark").is_some());
        assert!(Theme::builtin("light").is_some());
        assert_ne!(Theme::builtin("dark"), Theme::builtin("light"));
    }

    #[test]
    fn user_file_overrides_one_slot() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("theme.toml");
        std::fs::write(&p, "danger = \"#ff0000\"\n").unwrap();
        let t = Theme::load("dark", Some(&p)).unwrap();
        assert_eq!(t.danger, Color::Rgb(255, 0, 0));
        assert_eq!(t.ok, Theme::builtin("dark").unwrap().ok);
    }

    #[test]
    fn bad_slot_names_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("theme.toml");
        std::fs::write(&p, "ok = \"green\"\ndangr = \"red\"\n").unwrap();
        let err = Theme::load("dark", Some(&p)).unwrap_err().to_string();
        assert!(err.contains("theme.toml:2:1") && err.contains("dangr"), "{err}");
    }
}
