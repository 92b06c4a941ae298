//! supervisord.conf as supervisord reads it: Python's RawConfigParser with `;` and `#` as
//! comment prefixes (whole lines, and inline after whitespace), `key = value` or `key: value`,
//! indented continuation lines, keys case-folded. Each value keeps the lines it came from, so
//! an edit replaces exactly those.

/// One `[section]` of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub file: String,
    /// 1-based line of the `[name]` header.
    pub line: usize,
    pub entries: Vec<Entry>,
    /// 1-based line of the section's last line (its last entry, or the header).
    pub last_line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// 1-based, first and last line (continuations included).
    pub first: usize,
    pub last: usize,
}

impl Section {
    /// The last assignment of `key` (RawConfigParser with strict=False: the last one wins).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }

    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).map(|e| e.value.as_str())
    }
}

fn strip_inline_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for i in 1..b.len() {
        if (b[i] == b';' || b[i] == b'#') && b[i - 1].is_ascii_whitespace() {
            return &line[..i];
        }
    }
    line
}

/// Every section of `text` (read from `file`), in order. Lines that are not sections, entries,
/// comments or continuations are errors with their line.
pub fn parse(file: &str, text: &str) -> Result<Vec<Section>, String> {
    let mut sections: Vec<Section> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        let starts_indented = raw.starts_with([' ', '\t']);
        if starts_indented && let Some(e) = sections.last_mut().and_then(|s| s.entries.last_mut()) {
            let more = strip_inline_comment(trimmed).trim();
            if !more.is_empty() {
                e.value.push('\n');
                e.value.push_str(more);
            }
            e.last = n;
            if let Some(s) = sections.last_mut() {
                s.last_line = n;
            }
            continue;
        }
        let line = strip_inline_comment(trimmed).trim();
        if let Some(rest) = line.strip_prefix('[') {
            let Some(name) = rest.strip_suffix(']') else {
                return Err(format!("{file}:{n}: a section header without its closing ']'"));
            };
            sections.push(Section { name: name.to_string(), file: file.to_string(), line: n, entries: Vec::new(), last_line: n });
            continue;
        }
        let Some(section) = sections.last_mut() else {
            return Err(format!("{file}:{n}: an entry before any [section]"));
        };
        let at = line
            .find(['=', ':'])
            .ok_or_else(|| format!("{file}:{n}: neither a [section] nor key = value: {:?}", crate::text::sanitize(line)))?;
        let key = line[..at].trim().to_lowercase();
        let value = line[at + 1..].trim().to_string();
        section.entries.push(Entry { key, value, first: n, last: n });
        section.last_line = n;
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_entries_comments_and_continuations() {
        let text = "; a comment\n[program:shop-web]\ncommand = /srv/shop/bin/web ; inline\nenvironment=A=\"1\",\n  B=\"2\" # two\nuser: shop\n\n[group:shop]\nprograms=shop-web,shop-worker\n";
        let s = parse("/etc/supervisor/conf.d/shop.conf", text).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "program:shop-web");
        assert_eq!(s[0].value("command"), Some("/srv/shop/bin/web"));
        let env = s[0].get("environment").unwrap();
        assert_eq!((env.value.as_str(), env.first, env.last), ("A=\"1\",\nB=\"2\"", 4, 5));
        assert_eq!(s[0].value("user"), Some("shop"));
        assert_eq!(s[1].value("programs"), Some("shop-web,shop-worker"));
        assert_eq!(s[0].last_line, 6);
    }

    #[test]
    fn a_semicolon_inside_a_word_is_not_a_comment() {
        let s = parse("f", "[x]\nurl=http://a/b;c\n").unwrap();
        assert_eq!(s[0].value("url"), Some("http://a/b;c"));
    }

    #[test]
    fn garbage_is_an_error_with_its_line() {
        let e = parse("/etc/supervisord.conf", "[x]\nthis is not an entry\n").unwrap_err();
        assert!(e.starts_with("/etc/supervisord.conf:2:"), "{e}");
    }
}
