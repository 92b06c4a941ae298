//! The TUI log view's state: a bounded ring of compact lines, follow or paused at an anchor,
//! search, include/exclude filters, process and host toggles, wrap, and gap markers.
//!
//! Memory: a `LogLine` carries its cursor and four owned names; a `ViewLine` keeps a small index
//! into `origins` and the message only, about a quarter of the size, so 100k lines stay small.

use std::collections::VecDeque;
use std::time::Duration;

use jiff::Timestamp;
use regex::Regex;

use crate::model::{HostId, LogLine};

pub const DEFAULT_CAPACITY: usize = 100_000;

/// Where lines come from: (host, app, process). Few per view, so an index is enough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub host: HostId,
    pub process: String,
    /// What the line shows: the process, or its Dokku dyno (`LogLine::who`).
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ViewEntry {
    Line {
        ts: Timestamp,
        origin: u16,
        priority: Option<u8>,
        /// The source gave no time (supervisord history): shown as such, not as a time.
        untimed: bool,
        message: Box<str>,
    },
    /// A follow stream dropped and came back: the user sees the seam.
    Gap { host: HostId, after: Duration, at: Timestamp },
    /// A host's logs could not be read, or the stream is down right now.
    Note { host: HostId, text: String, at: Timestamp },
}

impl ViewEntry {
    pub fn ts(&self) -> Timestamp {
        match self {
            ViewEntry::Line { ts, .. } => *ts,
            ViewEntry::Gap { at, .. } | ViewEntry::Note { at, .. } => *at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Toggle {
    Process(String),
    Host(HostId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Search,
    Include,
    Exclude,
    JumpTime,
}

impl PromptKind {
    pub fn label(self) -> &'static str {
        match self {
            PromptKind::Search => "search",
            PromptKind::Include => "include",
            PromptKind::Exclude => "exclude",
            PromptKind::JumpTime => "jump to time",
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogsState {
    /// Which log session the runtime runs for this view; events of an older one are ignored.
    pub session: u64,
    pub app: String,
    /// Opened from one process row: only that process, on that host.
    pub process: Option<String>,
    pub host: Option<HostId>,
    pub origins: Vec<Origin>,
    pub entries: VecDeque<ViewEntry>,
    /// Sequence number of `entries[0]`; entry i has seq `first_seq + i`.
    pub first_seq: u64,
    pub capacity: usize,
    /// None: following the newest line. Some(seq): paused with that entry at the bottom.
    pub anchor: Option<u64>,
    pub search: Option<Regex>,
    pub include: Option<Regex>,
    pub exclude: Option<Regex>,
    pub hidden_processes: Vec<String>,
    pub hidden_hosts: Vec<HostId>,
    pub wrap: bool,
    /// The processes/hosts toggle popup: the selected row, when open.
    pub toggles: Option<usize>,
    pub prompt: Option<(PromptKind, String)>,
    /// Older lines are being fetched (scrolled above the buffer).
    pub loading_older: bool,
    /// The source has no older lines.
    pub at_start: bool,
    /// Newer lines were dropped to make room for older ones; `G` reloads.
    pub dropped_newer: bool,
    pub hosts_pending: usize,
    /// A footer message (no match, a bad time), until the next key.
    pub message: Option<String>,
    /// How many entries pass the filters and toggles: kept as entries come and go, counted
    /// again only when a filter changes.
    pub shown: usize,
}

impl LogsState {
    pub fn new(session: u64, app: String, process: Option<String>, host: Option<HostId>, capacity: usize, hosts: usize) -> Self {
        LogsState {
            session,
            app,
            process,
            host,
            origins: Vec::new(),
            entries: VecDeque::new(),
            first_seq: 0,
            capacity: capacity.max(100),
            anchor: None,
            search: None,
            include: None,
            exclude: None,
            hidden_processes: Vec::new(),
            hidden_hosts: Vec::new(),
            wrap: false,
            toggles: None,
            prompt: None,
            loading_older: false,
            at_start: false,
            dropped_newer: false,
            hosts_pending: hosts,
            message: None,
            shown: 0,
        }
    }

    /// Whether a filter or toggle hides anything (the header then says "N of M").
    pub fn filtered(&self) -> bool {
        self.include.is_some() || self.exclude.is_some() || !self.hidden_processes.is_empty() || !self.hidden_hosts.is_empty()
    }

    /// Counts the shown entries again, after a filter or toggle changed.
    pub fn recount(&mut self) {
        self.shown = self.entries.iter().filter(|e| self.visible(e)).count();
    }

    fn counted(&self, e: &ViewEntry) -> usize {
        usize::from(self.visible(e))
    }

    fn pop_oldest(&mut self) {
        if let Some(e) = self.entries.pop_front() {
            self.shown -= self.counted(&e);
            self.first_seq += 1;
        }
    }

    pub fn following(&self) -> bool {
        self.anchor.is_none()
    }

    pub fn end_seq(&self) -> u64 {
        self.first_seq + self.entries.len() as u64
    }

    pub fn get(&self, seq: u64) -> Option<&ViewEntry> {
        seq.checked_sub(self.first_seq).and_then(|i| self.entries.get(i as usize))
    }

    fn origin_of(&mut self, l: &LogLine) -> u16 {
        let label = l.who();
        if let Some(i) = self.origins.iter().position(|o| o.host == l.host && o.process == l.process && o.label == label) {
            return i as u16;
        }
        self.origins.push(Origin { host: l.host.clone(), process: l.process.clone(), label: label.into_owned() });
        (self.origins.len() - 1).min(u16::MAX as usize) as u16
    }

    pub fn compact(&mut self, l: LogLine) -> ViewEntry {
        let origin = self.origin_of(&l);
        ViewEntry::Line {
            ts: l.ts,
            origin,
            priority: l.priority,
            untimed: l.clock == crate::model::Clock::Unknown,
            message: l.message.into_boxed_str(),
        }
    }

    /// Appends at the newest end, dropping the oldest past capacity.
    pub fn push(&mut self, entry: ViewEntry) {
        self.shown += self.counted(&entry);
        self.entries.push_back(entry);
        while self.entries.len() > self.capacity {
            self.pop_oldest();
        }
        if let Some(a) = self.anchor
            && a < self.first_seq
        {
            self.anchor = Some(self.first_seq);
        }
    }

    /// Inserts a live line in time order: lines from different hosts arrive a little out of
    /// order, and the place is near the end, so the scan back is short (and bounded).
    pub fn push_ordered(&mut self, entry: ViewEntry) {
        let ts = entry.ts();
        let mut i = self.entries.len();
        let limit = i.saturating_sub(4096);
        // Never across a gap or note: those mark the seam in arrival order.
        while i > limit && matches!(self.entries[i - 1], ViewEntry::Line { .. }) && self.entries[i - 1].ts() > ts {
            i -= 1;
        }
        if i == self.entries.len() {
            return self.push(entry);
        }
        self.shown += self.counted(&entry);
        self.entries.insert(i, entry);
        // Keep a paused view on the same entry.
        if let Some(a) = self.anchor.as_mut()
            && self.first_seq + i as u64 <= *a
        {
            *a += 1;
        }
        while self.entries.len() > self.capacity {
            self.pop_oldest();
        }
    }

    /// History arrives per host: merge it into place by time (it is older than live lines).
    pub fn merge_history(&mut self, lines: Vec<LogLine>) {
        if lines.is_empty() {
            return;
        }
        let mut merged: Vec<ViewEntry> = self.entries.drain(..).collect();
        for l in lines {
            let e = self.compact(l);
            merged.push(e);
        }
        merged.sort_by_key(|e| e.ts());
        let overflow = merged.len().saturating_sub(self.capacity);
        self.entries = merged.into_iter().skip(overflow).collect();
        self.first_seq += overflow as u64;
        self.recount();
    }

    /// Older lines fetched by time go in front; past capacity the newest are dropped instead
    /// (the user is reading the past), and following stops until `G` reloads.
    pub fn prepend_older(&mut self, lines: Vec<LogLine>) {
        self.loading_older = false;
        let oldest = self.entries.front().map(ViewEntry::ts);
        let mut fresh: Vec<ViewEntry> = Vec::new();
        for l in lines {
            // --until is whole seconds: drop what we already hold.
            if oldest.is_some_and(|o| l.ts >= o) {
                continue;
            }
            let e = self.compact(l);
            fresh.push(e);
        }
        if fresh.is_empty() {
            self.at_start = true;
            return;
        }
        fresh.sort_by_key(|e| e.ts());
        let n = fresh.len() as u64;
        for e in fresh.into_iter().rev() {
            self.shown += self.counted(&e);
            self.entries.push_front(e);
        }
        // Keep seq numbers of existing entries stable: the new ones take lower numbers.
        if self.first_seq >= n {
            self.first_seq -= n;
        } else {
            let shift = n - self.first_seq;
            self.first_seq = 0;
            if let Some(a) = self.anchor.as_mut() {
                *a += shift;
            }
        }
        while self.entries.len() > self.capacity {
            if let Some(e) = self.entries.pop_back() {
                self.shown -= self.counted(&e);
            }
            self.dropped_newer = true;
        }
        if self.dropped_newer && self.anchor.is_none_or(|a| a >= self.end_seq()) {
            self.anchor = Some(self.end_seq().saturating_sub(1));
        }
    }

    pub fn visible(&self, e: &ViewEntry) -> bool {
        match e {
            ViewEntry::Line { origin, message, .. } => {
                let o = &self.origins[*origin as usize];
                !self.hidden_processes.contains(&o.process)
                    && !self.hidden_hosts.contains(&o.host)
                    && self.include.as_ref().is_none_or(|r| r.is_match(message))
                    && !self.exclude.as_ref().is_some_and(|r| r.is_match(message))
            }
            ViewEntry::Gap { .. } | ViewEntry::Note { .. } => true,
        }
    }

    /// The newest visible entry at or before `seq`.
    fn visible_at_or_before(&self, seq: u64) -> Option<u64> {
        let mut s = seq.min(self.end_seq().checked_sub(1)?);
        loop {
            if self.get(s).is_some_and(|e| self.visible(e)) {
                return Some(s);
            }
            if s == self.first_seq {
                return None;
            }
            s -= 1;
        }
    }

    /// The seq drawn at the bottom of the view.
    pub fn bottom(&self) -> Option<u64> {
        self.visible_at_or_before(self.anchor.unwrap_or(u64::MAX))
    }

    /// Moves `n` visible entries up (older). Returns false when the top of the buffer was hit.
    pub fn scroll_up(&mut self, n: usize) -> bool {
        let Some(mut s) = self.bottom() else { return false };
        let mut moved = 0;
        while moved < n {
            match s.checked_sub(1).filter(|p| *p >= self.first_seq).and_then(|p| self.visible_at_or_before(p)) {
                Some(p) => {
                    s = p;
                    moved += 1;
                }
                None => break,
            }
        }
        self.anchor = Some(s);
        moved == n
    }

    /// Moves `n` visible entries down (newer); reaching the newest resumes following.
    pub fn scroll_down(&mut self, n: usize) {
        let Some(mut s) = self.anchor else { return };
        let mut moved = 0;
        let end = self.end_seq();
        let mut next = s + 1;
        while moved < n && next < end {
            if self.get(next).is_some_and(|e| self.visible(e)) {
                s = next;
                moved += 1;
            }
            next += 1;
        }
        let newest = self.visible_at_or_before(u64::MAX);
        self.anchor = if Some(s) >= newest && !self.dropped_newer { None } else { Some(s) };
    }

    /// Search from the bottom line towards older (`older`) or newer entries.
    pub fn find(&mut self, older: bool) -> bool {
        let Some(re) = self.search.clone() else { return false };
        let Some(start) = self.bottom() else { return false };
        let hit = |s: u64| matches!(self.get(s), Some(e @ ViewEntry::Line { message, .. }) if self.visible(e) && re.is_match(message));
        let found = if older { (self.first_seq..start).rev().find(|s| hit(*s)) } else { (start + 1..self.end_seq()).find(|s| hit(*s)) };
        match found {
            Some(s) => {
                self.anchor = Some(s);
                true
            }
            None => false,
        }
    }

    /// The rows of the toggle popup: every process, then every host.
    pub fn toggle_items(&self) -> Vec<Toggle> {
        let mut items: Vec<Toggle> = Vec::new();
        for o in &self.origins {
            let t = Toggle::Process(o.process.clone());
            if !items.contains(&t) {
                items.push(t);
            }
        }
        for o in &self.origins {
            let t = Toggle::Host(o.host.clone());
            if !items.contains(&t) {
                items.push(t);
            }
        }
        items
    }

    pub fn is_shown(&self, t: &Toggle) -> bool {
        match t {
            Toggle::Process(p) => !self.hidden_processes.contains(p),
            Toggle::Host(h) => !self.hidden_hosts.contains(h),
        }
    }

    pub fn flip(&mut self, t: &Toggle) {
        fn flip<T: PartialEq + Clone>(v: &mut Vec<T>, x: &T) {
            match v.iter().position(|y| y == x) {
                Some(i) => {
                    v.remove(i);
                }
                None => v.push(x.clone()),
            }
        }
        match t {
            Toggle::Process(p) => flip(&mut self.hidden_processes, p),
            Toggle::Host(h) => flip(&mut self.hidden_hosts, h),
        }
        self.recount();
    }

    /// `g`: the oldest entries fill the screen (`rows` of it), the first at the top.
    pub fn top(&mut self, rows: usize) {
        let mut s = self.first_seq;
        let mut seen = 0;
        for seq in self.first_seq..self.end_seq() {
            if self.get(seq).is_some_and(|e| self.visible(e)) {
                s = seq;
                seen += 1;
                if seen >= rows.max(1) {
                    break;
                }
            }
        }
        self.anchor = Some(s);
    }

    /// Pauses with the first entry at or after `t` at the bottom.
    pub fn jump_to(&mut self, t: Timestamp) -> bool {
        let idx = self.entries.partition_point(|e| e.ts() < t);
        if idx >= self.entries.len() {
            return false;
        }
        self.anchor = Some(self.first_seq + idx as u64);
        true
    }
}
