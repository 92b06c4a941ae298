//! The `:` command palette (k9s): every action and view by name, fuzzy, with what it does —
//! `:certs`, `:logs shop`, `:restart shop`, `:host lon-1`. The words are the keymap's action
//! names, so the palette, the keys and the help speak one vocabulary.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::{Action, AppTab, Effect, FilterKey, Focus, State, View};

/// The palette while it is open: what was typed and the highlighted entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    pub text: String,
    pub selected: usize,
}

/// One thing the palette can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What is typed for it: "certs", "logs shop", "host lon-1".
    pub words: String,
    pub what: String,
    /// The action it runs (its key is shown beside it), if it is one.
    pub action: Option<Action>,
}

/// Actions that take an app: `:logs shop` selects shop, then does it.
const ON_AN_APP: [Action; 7] =
    [Action::Logs, Action::Restart, Action::Rollout, Action::Rollback, Action::Rebuild, Action::Shell, Action::Forward];

/// Actions that make no sense typed (movement, prompt answers, the palette itself).
fn typed(a: Action) -> bool {
    !matches!(
        a,
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Confirm | Action::Cancel | Action::Command | Action::Open
    )
}

fn name(a: Action) -> String {
    serde_json::to_value(a).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// Everything the palette offers now: the actions, the views, and the app and host names.
pub fn entries(state: &State) -> Vec<Entry> {
    let mut out: Vec<Entry> = vec![
        Entry { words: "apps".into(), what: "the apps table".into(), action: None },
        Entry { words: "hosts".into(), what: "the hosts panel".into(), action: None },
    ];
    for a in Action::ALL.into_iter().filter(|a| typed(*a)) {
        out.push(Entry { words: name(a), what: a.description().into(), action: Some(a) });
    }
    for app in &state.fleet.apps {
        out.push(Entry {
            words: format!("app {}", app.name),
            what: format!("open {} ({})", app.name, app.formation_label()),
            action: None,
        });
        for a in ON_AN_APP {
            out.push(Entry { words: format!("{} {}", name(a), app.name), what: a.description().into(), action: Some(a) });
        }
    }
    for h in &state.fleet.hosts {
        out.push(Entry { words: format!("host {}", h.spec.id), what: format!("{}'s facts and metrics", h.spec.id), action: None });
    }
    out
}

/// The entries matching what was typed, best first (all of them, in order, for nothing typed).
pub fn matches(state: &State, text: &str) -> Vec<Entry> {
    let all = entries(state);
    if text.trim().is_empty() {
        // Without a word, the actions and views only (not one line per app and host).
        return all.into_iter().filter(|e| !e.words.contains(' ')).collect();
    }
    let pattern = Pattern::parse(text, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize, Entry)> = all
        .into_iter()
        .enumerate()
        .filter_map(|(i, e)| pattern.score(Utf32Str::new(&e.words, &mut buf), &mut matcher).map(|s| (s, i, e)))
        .collect();
    // An exact name first: `:certs` is the certs view, not the best fuzzy score.
    scored.sort_by(|a, b| (b.2.words == text.trim()).cmp(&(a.2.words == text.trim())).then(b.0.cmp(&a.0)).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, e)| e).collect()
}

pub fn open(state: &mut State) {
    state.palette = Some(Palette::default());
}

/// Keys while the palette is open: typing narrows, up/down pick, enter runs, esc closes.
pub fn on_key(state: &mut State, key: FilterKey) -> Vec<Effect> {
    let Some(p) = state.palette.as_mut() else { return Vec::new() };
    match key {
        FilterKey::Char(c) if !c.is_control() => {
            p.text.push(c);
            p.selected = 0;
        }
        FilterKey::Char(_) => {}
        FilterKey::Up => p.selected = p.selected.saturating_sub(1),
        FilterKey::Down => p.selected += 1,
        FilterKey::Backspace => {
            p.text.pop();
            p.selected = 0;
        }
        FilterKey::Clear => state.palette = None,
        FilterKey::Accept => {
            let (text, selected) = (p.text.clone(), p.selected);
            let chosen = matches(state, &text).into_iter().nth(selected);
            state.palette = None;
            return match chosen {
                Some(e) => run(state, &e),
                None => {
                    state.notice = Some(format!(":{text}: nothing by that name (? lists the keys)"));
                    Vec::new()
                }
            };
        }
    }
    Vec::new()
}

/// Moves the highlight (up/down while the palette is open).
pub fn step(state: &mut State, down: bool) {
    let len = state.palette.as_ref().map(|p| matches(state, &p.text).len()).unwrap_or(0);
    if let Some(p) = state.palette.as_mut() {
        p.selected = if down { (p.selected + 1).min(len.saturating_sub(1)) } else { p.selected.saturating_sub(1) };
    }
}

/// Selects an app in the apps table (clearing a filter that hides it).
fn select_app(state: &mut State, app: &str) -> bool {
    state.filter.query.clear();
    state.view = View::Apps;
    state.focus = Focus::Apps;
    match state.visible_apps().iter().position(|i| state.fleet.apps[*i].name == app) {
        Some(pos) => {
            state.apps_cursor.selected = pos;
            true
        }
        None => false,
    }
}

fn run(state: &mut State, e: &Entry) -> Vec<Effect> {
    let mut words = e.words.splitn(2, ' ');
    let (head, arg) = (words.next().unwrap_or(""), words.next());
    match (head, arg, e.action) {
        ("apps", None, _) => {
            state.view = View::Apps;
            state.focus = Focus::Apps;
            Vec::new()
        }
        ("hosts", None, _) => {
            state.view = View::Apps;
            state.focus = Focus::Hosts;
            Vec::new()
        }
        ("app", Some(app), _) => {
            if select_app(state, app) {
                state.view = View::App { name: app.to_string() };
                state.app_tab = AppTab::Processes;
                state.detail_cursor.selected = 0;
            }
            Vec::new()
        }
        ("host", Some(host), _) => {
            state.view = View::Host { host: crate::model::HostId(host.to_string()) };
            state.detail_cursor.selected = 0;
            Vec::new()
        }
        (_, Some(app), Some(action)) => {
            if !select_app(state, app) {
                state.notice = Some(format!("no app {app}"));
                return Vec::new();
            }
            super::input::on_action(state, action)
        }
        (_, None, Some(action)) => super::input::on_action(state, action),
        _ => Vec::new(),
    }
}
