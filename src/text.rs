//! Making untrusted text safe to show, and the small formatters every view and the CLI share.

use std::borrow::Cow;

use jiff::{SignedDuration, Timestamp};

/// Remote text never reaches the terminal raw: control characters (C0 but tab, DEL, C1, which
/// start escape sequences) become U+FFFD, tabs a space.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    let bad = |c: char| c.is_control();
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if c == '\t' {
                    ' '
                } else if bad(c) {
                    '\u{fffd}'
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// A compact age: "42s", "5m", "3h 12m", "4d 2h".
/// A DNS name fleet will put in an SNI handshake: letters, digits, '-', '.', '*', '_'.
pub fn is_domain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '*' | '_'))
}

pub fn age(from: Timestamp, now: Timestamp) -> String {
    let d: SignedDuration = now.duration_since(from);
    compact(d.as_secs().max(0) as u64)
}

pub fn compact(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h {}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d {}h", secs / 86400, secs % 86400 / 3600),
    }
}

/// Bytes in binary units: "512K", "37.5M", "1.2G".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "K", "M", "G", "T"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 || v >= 100.0 { format!("{:.0}{}", v, UNITS[u]) } else { format!("{:.1}{}", v, UNITS[u]) }
}

/// A seeded xorshift for the property tests: deterministic, no dependency.
/// `http://host[:port]/path` → (host, port, path).
pub fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| format!("{url:?}: only http:// URLs (reached through ssh)"))?;
    let (authority, path) = rest.split_once('/').map(|(a, p)| (a, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| format!("{url:?}: bad port"))?),
        None => (authority, 80),
    };
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) || path.chars().any(char::is_control) {
        return Err(format!("{url:?}: bad URL"));
    }
    Ok((host.to_string(), port, path))
}

/// Natural order for names: runs of digits compare as numbers, so lab-2 comes before lab-10.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let take = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                    let mut n = String::new();
                    while let Some(c) = it.peek().copied().filter(char::is_ascii_digit) {
                        n.push(c);
                        it.next();
                    }
                    n
                };
                let (m, n) = (take(&mut x), take(&mut y));
                let (m, n) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                match m.len().cmp(&n.len()).then_with(|| m.cmp(n)) {
                    Ordering::Equal => {}
                    o => return o,
                }
            }
            (Some(c), Some(d)) => match c.cmp(&d) {
                Ordering::Equal => {
                    x.next();
                    y.next();
                }
                o => return o,
            },
        }
    }
}

/// Greedy word wrap to `width` columns (characters); a word longer than a line is cut. Never
/// an empty result for a non-empty text.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = cur.chars().count();
            let gap = usize::from(used > 0);
            if used + gap + word.len() <= width {
                if gap == 1 {
                    cur.push(' ');
                }
                cur.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut cur));
                continue;
            }
            // A word wider than the line: cut it.
            let rest = word.split_off(width);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
pub(crate) struct XorShift(pub u64);

#[cfg(test)]
impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A string of up to `max_len` characters drawn from `alphabet`.
    pub fn string(&mut self, alphabet: &[char], max_len: u64) -> String {
        let len = self.next() % (max_len + 1);
        (0..len).map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec!["lab-10", "lab-2", "lab-1", "db", "lab-02x"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["db", "lab-1", "lab-2", "lab-02x", "lab-10"]);
        assert_eq!(natural_cmp("a", "a"), std::cmp::Ordering::Equal);
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrap("connection refused (127.0.0.1:2209)", 12), ["connection", "refused", "(127.0.0.1:2", "209)"]);
        assert_eq!(wrap("a b c", 3), ["a b", "c"]);
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn urls() {
        assert_eq!(parse_url("http://127.0.0.1:8080/up").unwrap(), ("127.0.0.1".into(), 8080, "/up".into()));
        assert_eq!(parse_url("http://localhost").unwrap(), ("localhost".into(), 80, "/".into()));
        assert!(parse_url("https://x").is_err());
        assert!(parse_url("http://a b/").is_err());
        assert!(parse_url("http://x/\r\nInjected: 1").is_err());
    }

    #[test]
    fn sanitizes_escape_sequences() {
        assert_eq!(sanitize("plain"), "plain");
        assert_eq!(sanitize("\u{1b}[2Jboom\u{7}"), "\u{fffd}[2Jboom\u{fffd}");
        assert_eq!(sanitize("a\tb"), "a b");
        assert_eq!(sanitize("\u{9b}31m"), "\u{fffd}31m");
    }

    #[test]
    fn formats() {
        assert_eq!(compact(5), "5s");
        assert_eq!(compact(3700), "1h 1m");
        assert_eq!(compact(90000), "1d 1h");
        assert_eq!(bytes(376832), "368K");
        assert_eq!(bytes(5 * 1024 * 1024 + 1024 * 512), "5.5M");
    }
}
