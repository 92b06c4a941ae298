//! EnvironmentFile= parsing by systemd's own rules (systemd.exec(5), env-file.c's state
//! machine), so fleet shows what the app really gets:
//! - `KEY=VALUE` per line; blanks around the key and after `=` are ignored;
//! - a line starting with `#` or `;` is a comment; `#` later in a value is just text;
//! - unquoted values lose trailing blanks; `\x` is `x`; `\` at the end of a line continues it;
//! - `'…'` is literal and may span lines; `"…"` takes `\"` `\\` `\$` `` \` `` and line
//!   continuations, and keeps other backslashes; quotes may be mixed with text (`a"b c"d`);
//! - no `export`: `export KEY=…` is an invalid key, as in systemd.
//!
//! Invalid lines are returned with their line numbers, never dropped silently.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub key: String,
    pub value: String,
    /// 1-based lines the assignment spans (continuations and multi-line quotes).
    pub first_line: usize,
    pub last_line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnvFile {
    pub assignments: Vec<Assignment>,
    pub invalid: Vec<Invalid>,
}

impl EnvFile {
    /// The effective value of each key: later assignments win.
    pub fn effective(&self) -> Vec<&Assignment> {
        let mut out: Vec<&Assignment> = Vec::new();
        for a in &self.assignments {
            match out.iter().position(|o| o.key == a.key) {
                Some(i) => out[i] = a,
                None => out.push(a),
            }
        }
        out
    }
}

/// systemd's rule for a variable name (env_name_is_valid): not empty, no `=`, no control
/// characters, not starting with a digit, and (for our purposes, as the shell sees it) no blanks.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && !key.starts_with(|c: char| c.is_ascii_digit()) && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    PreKey,
    Key,
    PreValue,
    Value,
    ValueEscape,
    Single,
    Double,
    DoubleEscape,
    Comment,
    CommentEscape,
}

pub fn parse(text: &str) -> EnvFile {
    let mut out = EnvFile::default();
    let mut state = State::PreKey;
    let mut line = 1usize;
    let mut first_line = 1usize;
    let mut key = String::new();
    let mut value = String::new();
    // Length of `value` without its trailing unquoted blanks.
    let mut trimmed_len = 0usize;

    let finish = |out: &mut EnvFile, key: &mut String, value: &mut String, trimmed_len: usize, first: usize, last: usize| {
        let k = key.trim_end().to_string();
        value.truncate(trimmed_len);
        if valid_key(&k) {
            out.assignments.push(Assignment { key: k, value: std::mem::take(value), first_line: first, last_line: last });
        } else {
            out.invalid.push(Invalid { line: first, reason: format!("invalid variable name {:?}", k.escape_debug().to_string()) });
        }
        key.clear();
        value.clear();
    };

    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let newline = c == '\n' || c == '\r';
        // "\r\n" counts as one line end.
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        match state {
            State::PreKey => {
                if c == '#' || c == ';' {
                    state = State::Comment;
                } else if newline {
                    line += 1;
                } else if !c.is_whitespace() {
                    state = State::Key;
                    first_line = line;
                    key.push(c);
                }
            }
            State::Key => {
                if newline {
                    out.invalid.push(Invalid { line, reason: format!("no '=' in {:?}", key.trim().escape_debug().to_string()) });
                    key.clear();
                    line += 1;
                    state = State::PreKey;
                } else if c == '=' {
                    state = State::PreValue;
                    trimmed_len = 0;
                } else {
                    key.push(c);
                }
            }
            State::PreValue => {
                if newline {
                    finish(&mut out, &mut key, &mut value, trimmed_len, first_line, line);
                    line += 1;
                    state = State::PreKey;
                } else if c == '\'' {
                    state = State::Single;
                } else if c == '"' {
                    state = State::Double;
                } else if c == '\\' {
                    state = State::ValueEscape;
                } else if !c.is_whitespace() {
                    value.push(c);
                    trimmed_len = value.len();
                    state = State::Value;
                }
            }
            State::Value => {
                if newline {
                    finish(&mut out, &mut key, &mut value, trimmed_len, first_line, line);
                    line += 1;
                    state = State::PreKey;
                } else if c == '\\' {
                    state = State::ValueEscape;
                } else {
                    value.push(c);
                    if !c.is_whitespace() {
                        trimmed_len = value.len();
                    }
                }
            }
            State::ValueEscape => {
                if newline {
                    // A line continuation: the newline goes, the value goes on.
                    line += 1;
                } else {
                    value.push(c);
                    trimmed_len = value.len();
                }
                state = State::Value;
            }
            State::Single => {
                if c == '\'' {
                    trimmed_len = value.len();
                    state = State::PreValue;
                } else {
                    if c == '\n' {
                        line += 1;
                    }
                    value.push(c);
                }
            }
            State::Double => {
                if c == '"' {
                    trimmed_len = value.len();
                    state = State::PreValue;
                } else if c == '\\' {
                    state = State::DoubleEscape;
                } else {
                    if c == '\n' {
                        line += 1;
                    }
                    value.push(c);
                }
            }
            State::DoubleEscape => {
                if matches!(c, '"' | '\\' | '`' | '$') {
                    value.push(c);
                } else if newline {
                    line += 1;
                } else {
                    value.push('\\');
                    value.push(c);
                }
                state = State::Double;
            }
            State::Comment => {
                if c == '\\' {
                    state = State::CommentEscape;
                } else if newline {
                    line += 1;
                    state = State::PreKey;
                }
            }
            State::CommentEscape => {
                if newline {
                    line += 1;
                }
                state = State::Comment;
            }
        }
    }
    match state {
        State::Key => out.invalid.push(Invalid { line, reason: format!("no '=' in {:?}", key.trim().escape_debug().to_string()) }),
        State::PreValue | State::Value | State::ValueEscape => finish(&mut out, &mut key, &mut value, trimmed_len, first_line, line),
        // systemd takes an unterminated quote's text as the value.
        State::Single | State::Double | State::DoubleEscape => {
            let len = value.len();
            finish(&mut out, &mut key, &mut value, len, first_line, line)
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(text: &str) -> Vec<(String, String)> {
        parse(text).assignments.into_iter().map(|a| (a.key, a.value)).collect()
    }

    fn one(text: &str) -> String {
        let v = kv(text);
        assert_eq!(v.len(), 1, "{text:?} → {v:?}");
        v[0].1.clone()
    }

    #[test]
    fn the_corpus() {
        // (file, expected value of the only key)
        let cases: &[(&str, &str)] = &[
            ("A=plain", "plain"),
            ("A=plain   \n", "plain"),
            ("   A  =   spaced out  ", "spaced out"),
            ("A=", ""),
            ("A=has # not a comment", "has # not a comment"),
            ("A='single $HOME \\n literal'", "single $HOME \\n literal"),
            ("A=\"double \\\"quoted\\\" \\\\ \\$ \\` \\n\"", "double \"quoted\" \\ $ ` \\n"),
            ("A=\"multi\nline\"", "multi\nline"),
            ("A='multi\nline'", "multi\nline"),
            ("A=con\\\ntinued", "continued"),
            ("A=\"con\\\ntinued\"", "continued"),
            ("A=a\"b c\"d", "a\"b c\"d"),
            ("A=\"b c\"d", "b cd"),
            ("A='x' 'y'", "xy"),
            ("A=\\ lead", " lead"),
            ("A=tab\\\there", "tab\there"),
            ("A=unterminated \"quote", "unterminated \"quote"),
            ("A=\"unterminated", "unterminated"),
            ("A=postgres://u:p@h/db?x=1&y=2", "postgres://u:p@h/db?x=1&y=2"),
            ("A=crlf\r\n", "crlf"),
            ("A=ünïcödé ✓", "ünïcödé ✓"),
        ];
        for (file, want) in cases {
            assert_eq!(one(file), *want, "parsing {file:?}");
        }
    }

    #[test]
    fn comments_blank_lines_and_order() {
        let f = parse("# comment\n; also\n\nA=1\n  # indented comment\nB=2\nA=3\n# trailing \\\n continued comment\nC=4");
        let keys: Vec<(&str, &str)> = f.assignments.iter().map(|a| (a.key.as_str(), a.value.as_str())).collect();
        assert_eq!(keys, [("A", "1"), ("B", "2"), ("A", "3"), ("C", "4")]);
        let eff: Vec<(&str, &str)> = f.effective().iter().map(|a| (a.key.as_str(), a.value.as_str())).collect();
        assert_eq!(eff, [("A", "3"), ("B", "2"), ("C", "4")], "later assignments win, first place kept");
        assert!(f.invalid.is_empty(), "{:?}", f.invalid);
    }

    #[test]
    fn invalid_lines_are_reported_with_line_numbers() {
        let f = parse("GOOD=1\nexport BAD=2\njust words\n1NUM=3\nX-Y=4\nOK=\"two\nlines\"\nnot_an_assignment");
        let lines: Vec<usize> = f.invalid.iter().map(|i| i.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 8], "{:?}", f.invalid);
        assert!(f.invalid[0].reason.contains("export BAD"));
        let ok = f.assignments.iter().find(|a| a.key == "OK").unwrap();
        assert_eq!((ok.first_line, ok.last_line), (6, 7));
    }

    #[test]
    fn random_input_never_panics() {
        let mut rng = crate::text::XorShift(0x2545_f491_4f6c_dd1d);
        let alphabet: Vec<char> = "AB_=#; \t\n\r'\"\\$`xé✓1".chars().collect();
        for _ in 0..20_000 {
            let s = rng.string(&alphabet, 40);
            let f = parse(&s);
            for a in &f.assignments {
                assert!(valid_key(&a.key));
                assert!(a.first_line <= a.last_line);
            }
        }
    }
}
