//! The keymap is data: a built-in TOML table (keymap.toml beside this file) that a user's
//! keymap.toml overrides key by key. The help overlay is generated from it.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::error::{ConfigError, parse_toml};
use crate::model::Action;

pub const DEFAULT_KEYMAP: &str = include_str!("keymap.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    /// Tables kept in file order (toml's preserve_order), so hints show keys as listed.
    #[serde(default)]
    keys: toml::Table,
    #[serde(default)]
    logs: toml::Table,
    #[serde(default)]
    prompt: toml::Table,
}

/// Where a key is pressed: a context's own bindings win, then the global ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyContext {
    Global,
    Logs,
    Prompt,
}

/// A key as written in keymap files: "j", "G", "ctrl-c", "enter", "shift-tab", "f5".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "shift-tab" | "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f') && f.len() > 1 && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().map_err(|_| format!("bad key {text:?}"))?)
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            _ => return Err(format!("unknown key {text:?} (e.g. \"j\", \"ctrl-c\", \"enter\", \"pagedown\", \"f5\")")),
        };
        Ok(Key { code, ctrl, alt })
    }

    pub fn from_event(ev: &KeyEvent) -> Key {
        Key { code: ev.code, ctrl: ev.modifiers.contains(KeyModifiers::CONTROL), alt: ev.modifiers.contains(KeyModifiers::ALT) }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "enter".to_string(),
            KeyCode::Esc => "esc".to_string(),
            KeyCode::Tab => "tab".to_string(),
            KeyCode::BackTab => "shift-tab".to_string(),
            KeyCode::Backspace => "backspace".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::PageUp => "pgup".to_string(),
            KeyCode::PageDown => "pgdn".to_string(),
            KeyCode::Home => "home".to_string(),
            KeyCode::End => "end".to_string(),
            KeyCode::F(n) => format!("f{n}"),
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".to_string(),
        };
        let mut s = String::new();
        if self.ctrl {
            s.push_str("ctrl-");
        }
        if self.alt {
            s.push_str("alt-");
        }
        s + &base
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    /// In file order, so help and hints show keys in the order the file lists them.
    bindings: Vec<(KeyContext, Key, Action)>,
}

impl Keymap {
    pub fn builtin() -> Keymap {
        Self::from_sources(&[(Path::new("<built-in keymap.toml>"), DEFAULT_KEYMAP)]).expect("the built-in keymap parses")
    }

    /// Layers keymap files in order: later files override single keys.
    pub fn from_sources(sources: &[(&Path, &str)]) -> Result<Keymap, ConfigError> {
        let mut bindings: Vec<(KeyContext, Key, Action)> = Vec::new();
        for (path, text) in sources {
            let file: KeymapFile = parse_toml(path, text)?;
            let tables = [(KeyContext::Global, file.keys), (KeyContext::Logs, file.logs), (KeyContext::Prompt, file.prompt)];
            for (ctx, key, value) in tables.into_iter().flat_map(|(c, t)| t.into_iter().map(move |(k, v)| (c, k, v))) {
                let at = |message: String| {
                    let offset = text.find(&format!("\"{key}\"")).unwrap_or(0);
                    let (line, col) = super::error::line_col(text, offset);
                    ConfigError::At { path: path.to_path_buf(), line, col, message }
                };
                let k = Key::parse(&key).map_err(at)?;
                let action = Action::deserialize(value.clone())
                    .map_err(|_| at(format!("{value} is not an action; actions are {}", Action::names().join(", "))))?;
                match bindings.iter_mut().find(|(c, bound, _)| *c == ctx && *bound == k) {
                    Some(slot) => slot.2 = action,
                    None => bindings.push((ctx, k, action)),
                }
            }
        }
        Ok(Keymap { bindings })
    }

    /// The built-in keymap plus the user's keymap.toml from `dir`, if there is one.
    pub fn load(dir: Option<&Path>) -> Result<Keymap, ConfigError> {
        let user = dir.map(|d| d.join("keymap.toml")).filter(|p| p.exists());
        match user {
            None => Ok(Self::builtin()),
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|e| ConfigError::file(&p, e.to_string()))?;
                Self::from_sources(&[(Path::new("<built-in keymap.toml>"), DEFAULT_KEYMAP), (&p, &text)])
            }
        }
    }

    pub fn action(&self, ev: &KeyEvent, ctx: KeyContext) -> Option<Action> {
        let mut key = Key::from_event(ev);
        let find = |key: &Key| {
            let in_ctx = self.bindings.iter().find(|(c, k, _)| *c == ctx && k == key);
            in_ctx.or_else(|| self.bindings.iter().find(|(c, k, _)| *c == KeyContext::Global && k == key)).map(|(_, _, a)| *a)
        };
        if let Some(a) = find(&key) {
            return Some(a);
        }
        // Alt+key falls back to the plain key.
        key.alt = false;
        find(&key)
    }

    /// Keys bound to an action in a context (its own first, then global ones not shadowed).
    pub fn keys_for(&self, action: Action, ctx: KeyContext) -> Vec<Key> {
        let mut keys: Vec<Key> = self.bindings.iter().filter(|(c, _, a)| *c == ctx && *a == action).map(|(_, k, _)| *k).collect();
        if ctx != KeyContext::Global {
            for (_, k, _) in self.bindings.iter().filter(|(c, _, a)| *c == KeyContext::Global && *a == action) {
                let shadowed = self.bindings.iter().any(|(c, sk, _)| *c == ctx && sk == k);
                if !shadowed && !keys.contains(k) {
                    keys.push(*k);
                }
            }
        }
        keys
    }

    pub fn label_for(&self, action: Action, ctx: KeyContext) -> String {
        self.keys_for(action, ctx).iter().map(Key::label).collect::<Vec<_>>().join(", ")
    }

    /// Actions bound in a context's own table (for the help overlay's sections).
    pub fn own_actions(&self, ctx: KeyContext) -> Vec<Action> {
        let mut out: Vec<Action> = Vec::new();
        for (_, _, a) in self.bindings.iter().filter(|(c, _, _)| *c == ctx) {
            if !out.contains(a) {
                out.push(*a);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_has_the_documented_keys() {
        let k = Keymap::builtin();
        let ev = |c| KeyEvent::new(c, KeyModifiers::NONE);
        let g = KeyContext::Global;
        assert_eq!(k.action(&ev(KeyCode::Char('j')), g), Some(Action::Down));
        assert_eq!(k.action(&ev(KeyCode::Down), g), Some(Action::Down));
        assert_eq!(k.action(&ev(KeyCode::Char('/')), g), Some(Action::Filter));
        assert_eq!(k.action(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), g), Some(Action::Quit));
        // Contexts: n searches in the log view and answers no in a prompt.
        assert_eq!(k.action(&ev(KeyCode::Char('n')), KeyContext::Logs), Some(Action::SearchNext));
        assert_eq!(k.action(&ev(KeyCode::Char('n')), KeyContext::Prompt), Some(Action::Cancel));
        assert_eq!(k.action(&ev(KeyCode::Char('j')), KeyContext::Logs), Some(Action::Down));
    }

    #[test]
    fn user_layer_overrides_single_keys() {
        let user = "[keys]\n\"x\" = \"quit\"\n\"q\" = \"help\"\n";
        let k = Keymap::from_sources(&[(Path::new("a"), DEFAULT_KEYMAP), (Path::new("b"), user)]).unwrap();
        let ev = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let g = KeyContext::Global;
        assert_eq!(k.action(&ev('x'), g), Some(Action::Quit));
        assert_eq!(k.action(&ev('q'), g), Some(Action::Help));
        assert_eq!(k.action(&ev('j'), g), Some(Action::Down));
    }

    #[test]
    fn bad_keymap_names_file_line_col() {
        let err = Keymap::from_sources(&[(Path::new("km.toml"), "[keys]\n\"j\" = \"fly\"\n")]).unwrap_err();
        assert!(err.to_string().starts_with("km.toml:2:"), "{err}");
        let err = Keymap::from_sources(&[(Path::new("km.toml"), "[keys]\n\"hyper-j\" = \"up\"\n")]).unwrap_err();
        assert!(err.to_string().starts_with("km.toml:2:1"), "{err}");
    }
}
