//! supervisord's value syntax, as its own code reads it: `%(name)s` expansions (Python's `%`
//! formatting over a dict, so `%%` is a percent sign and `%(process_num)02d` pads), and the
//! `environment=` list, `KEY="val",KEY2=val2`, split by Python's shlex in its non-POSIX mode:
//! words of letters, digits and `_/.+-():`, quoted strings kept whole (no escapes inside), any
//! other character a token of its own, `#` a comment. Each pair is KEY, `=`, value, separator;
//! the value loses its surrounding quote characters.

use std::collections::BTreeMap;

/// What `%(name)…` may refer to: strings, and the numbers (`process_num`, `numprocs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expansion {
    Text(String),
    Number(i64),
}

pub type Expansions = BTreeMap<String, Expansion>;

/// `text % expansions`, or supervisord's complaint about it.
pub fn expand(text: &str, ex: &Expansions, what: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '%')) => out.push('%'),
            Some((at, '(')) => {
                let rest = &text[at + 1..];
                let close = rest.find(')').ok_or_else(|| format!("{what}: an unclosed %( in {text:?}"))?;
                let name = &rest[..close];
                // Skip the name and ')', then read flags, width, precision and the conversion.
                for _ in 0..name.chars().count() + 1 {
                    chars.next();
                }
                let mut spec = String::new();
                let conv = loop {
                    match chars.next() {
                        Some((_, c)) if "-+ #0123456789.".contains(c) => spec.push(c),
                        Some((_, c)) => break c,
                        None => return Err(format!("{what}: an incomplete format in {text:?}")),
                    }
                };
                let value = ex.get(name).ok_or_else(|| {
                    format!(
                        "{what}: {text:?} names %({name}) which supervisord cannot expand (it knows: {})",
                        ex.keys().filter(|k| !k.starts_with("ENV_")).cloned().collect::<Vec<_>>().join(", ")
                    )
                })?;
                out.push_str(&format_one(value, &spec, conv).map_err(|e| format!("{what}: %({name}){spec}{conv}: {e}"))?);
            }
            Some((_, other)) => return Err(format!("{what}: unsupported format character {other:?} in {text:?}")),
            None => return Err(format!("{what}: a lone % at the end of {text:?} (write %% for a percent sign)")),
        }
    }
    Ok(out)
}

fn format_one(value: &Expansion, spec: &str, conv: char) -> Result<String, String> {
    let zero = spec.starts_with('0');
    let left = spec.contains('-');
    let width: usize = spec.trim_start_matches(['-', '+', ' ', '#', '0']).split('.').next().unwrap_or("").parse().unwrap_or(0);
    let body = match (conv, value) {
        ('s' | 'r', Expansion::Text(t)) => t.clone(),
        ('s' | 'r' | 'd' | 'i', Expansion::Number(n)) => n.to_string(),
        ('d' | 'i', Expansion::Text(_)) => return Err("a number is required, not a string".into()),
        (c, _) => return Err(format!("conversion {c:?} is not one fleet reads")),
    };
    let pad = width.saturating_sub(body.chars().count());
    Ok(if pad == 0 {
        body
    } else if left {
        format!("{body}{}", " ".repeat(pad))
    } else if zero && matches!(value, Expansion::Number(_)) {
        match body.strip_prefix('-') {
            Some(digits) => format!("-{}{digits}", "0".repeat(pad)),
            None => format!("{}{body}", "0".repeat(pad)),
        }
    } else {
        format!("{}{body}", " ".repeat(pad))
    })
}

fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_/.+-():".contains(c)
}

/// shlex.shlex(text) in non-POSIX mode, as a list of tokens.
pub fn tokens(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut token = String::new();
    // ' ' between tokens, 'a' in a word, '"' or '\'' inside quotes.
    let mut state = ' ';
    while let Some(c) = chars.next() {
        match state {
            ' ' => {
                if c.is_whitespace() {
                } else if c == '#' {
                    for n in chars.by_ref() {
                        if n == '\n' {
                            break;
                        }
                    }
                } else if word_char(c) {
                    token.push(c);
                    state = 'a';
                } else if c == '"' || c == '\'' {
                    token.push(c);
                    state = c;
                } else {
                    out.push(c.to_string());
                }
            }
            'a' => {
                if c.is_whitespace() {
                    out.push(std::mem::take(&mut token));
                    state = ' ';
                } else if c == '#' {
                    // Non-POSIX shlex drops the rest of the line and carries on with the word.
                    for n in chars.by_ref() {
                        if n == '\n' {
                            break;
                        }
                    }
                } else if word_char(c) || c == '"' || c == '\'' {
                    token.push(c);
                } else {
                    out.push(std::mem::take(&mut token));
                    state = ' ';
                    out.push(c.to_string());
                }
            }
            q => {
                token.push(c);
                if c == q {
                    out.push(std::mem::take(&mut token));
                    state = ' ';
                }
            }
        }
    }
    match state {
        'a' => out.push(token),
        ' ' => {}
        _ => return Err("No closing quotation".into()),
    }
    Ok(out)
}

/// The `environment=` pairs in order, values unquoted (supervisord's dict_of_key_value_pairs;
/// a later key replaces an earlier one in place).
pub fn pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    raw_pairs(text).map(|v| v.into_iter().map(|(k, raw)| (k, unquote(&raw).to_string())).collect())
}

/// The pairs with each value's token as written (quotes kept), for rewriting a list in place.
pub fn raw_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let t = tokens(text).map_err(|e| format!("environment={text:?}: {e}"))?;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < t.len() {
        if i + 2 >= t.len() || t[i + 1] != "=" {
            return Err(format!("Unexpected end of key/value pairs in value {text:?}"));
        }
        let (k, v) = (t[i].clone(), t[i + 2].clone());
        match out.iter_mut().find(|(ok, _)| *ok == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
        i += 4;
    }
    Ok(out)
}

fn unquote(token: &str) -> &str {
    token.trim_matches(['\'', '"'])
}

/// A value written so supervisord reads back exactly `value`: `%` doubled (the list is expanded
/// before it is split), in double quotes, or single ones when it holds a `"`. Some values have
/// no spelling at all (both quote kinds, a quote at either end, a line break, or a comment
/// marker after a space, which the config parser would cut off).
pub fn quote_value(value: &str) -> Result<String, String> {
    let escaped = value.replace('%', "%%");
    let why = if value.contains('\n') || value.contains('\r') {
        Some("a line break")
    } else if value.contains('"') && value.contains('\'') {
        Some("both ' and \"")
    } else if value.starts_with(['\'', '"']) || value.ends_with(['\'', '"']) {
        Some("a quote at its start or end")
    } else if value.contains(" ;") || value.contains(" #") || value.contains("\t;") || value.contains("\t#") {
        Some("a ';' or '#' after a space (supervisord's config parser reads that as a comment)")
    } else {
        None
    };
    if let Some(why) = why {
        return Err(format!("supervisord's environment= cannot hold a value with {why}"));
    }
    Ok(if value.contains('"') { format!("'{escaped}'") } else { format!("\"{escaped}\"") })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(pairs: &[(&str, Expansion)]) -> Expansions {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn expansions_as_python_formats_them() {
        let e = ex(&[
            ("program_name", Expansion::Text("web".into())),
            ("process_num", Expansion::Number(1)),
            ("ENV_HOME", Expansion::Text("/root".into())),
        ]);
        assert_eq!(expand("%(program_name)s_%(process_num)02d", &e, "process_name").unwrap(), "web_01");
        assert_eq!(expand("HOME_IS=%(ENV_HOME)s,P=100%%", &e, "environment").unwrap(), "HOME_IS=/root,P=100%");
        assert_eq!(expand("%(process_num)3d|%(program_name)-5s|", &e, "x").unwrap(), "  1|web  |");
        assert!(expand("%(nope)s", &e, "environment").unwrap_err().contains("%(nope)"));
        assert!(expand("50%", &e, "environment").is_err());
    }

    #[test]
    fn environment_lists_split_as_shlex_does() {
        assert_eq!(
            pairs(r#"A="1",B='two words',C=/srv/x:/y,D="a,b", E=plain"#).unwrap(),
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "/srv/x:/y".into()),
                ("D".into(), "a,b".into()),
                ("E".into(), "plain".into()),
            ]
        );
        // Unquoted, a character outside shlex's word characters ends the value: supervisord
        // itself refuses such a list.
        assert!(pairs("A=va$l").is_err());
        assert!(pairs(r#"A="open"#).is_err());
        // A later key replaces the earlier one, as in a dict.
        assert_eq!(pairs("A=1,B=2,A=3").unwrap(), vec![("A".into(), "3".into()), ("B".into(), "2".into())]);
    }

    #[test]
    fn written_values_read_back() {
        for v in ["plain", "with space", "a,b", "50%", "say \"hi\" now", "it's", "p@ss$w0rd!", "x=y", ""] {
            let q = quote_value(v).unwrap();
            let e = expand(&format!("K={q}"), &Expansions::new(), "environment").unwrap();
            assert_eq!(pairs(&e).unwrap(), vec![("K".into(), v.to_string())], "{v:?} as {q}");
        }
        assert!(quote_value("both ' and \"").is_err());
        assert!(quote_value("\"edge").is_err());
        assert!(quote_value("a ;b").is_err());
    }
}
