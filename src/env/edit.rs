//! Editing an env file the way a person would: one key changed in place, everything else
//! (comments, order, blank lines, other keys' formatting) left exactly as it was.

use super::parse::{parse, valid_key};

/// A value written so that systemd reads back exactly `value`: bare when it is plain, else in
/// double quotes with `"` `\` `$` `` ` `` escaped (newlines may stay, systemd takes them).
pub fn quote_value(value: &str) -> String {
    let plain = !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "_-./:@%+,=".contains(c));
    if plain {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Sets `key` to `value`: the effective assignment's lines are replaced by one `KEY=value` line,
/// earlier ones of the same key are left (they are shadowed anyway); a new key is appended.
pub fn set(text: &str, key: &str, value: &str) -> Result<String, String> {
    if !valid_key(key) {
        return Err(format!("{key:?} is not a valid variable name (letters, digits, _; not starting with a digit)"));
    }
    if value.contains('\0') {
        return Err(format!("{key}: a value cannot hold a NUL byte"));
    }
    let line = format!("{key}={}", quote_value(value));
    let out = set_unchecked(text, key, &line);
    // Never write what would not read back as asked: a file that ends inside an unterminated
    // quote, for one, would swallow an appended line into its last value.
    let back = parse(&out);
    match back.effective().into_iter().find(|a| a.key == key) {
        Some(a) if a.value == value => Ok(out),
        _ => Err(format!("{key}: the file would not read back as intended (an unterminated quote near the end?); fix the file first")),
    }
}

fn set_unchecked(text: &str, key: &str, line: &str) -> String {
    let parsed = parse(text);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    match parsed.assignments.iter().rev().find(|a| a.key == key) {
        Some(a) => {
            let mut out = String::with_capacity(text.len() + line.len());
            for (i, l) in lines.iter().enumerate() {
                let n = i + 1;
                if n == a.first_line {
                    out.push_str(line);
                    // Keep the line ending the replaced block had.
                    let last = lines[a.last_line - 1];
                    out.push_str(if last.ends_with("\r\n") {
                        "\r\n"
                    } else if last.ends_with('\n') {
                        "\n"
                    } else {
                        ""
                    });
                } else if n > a.first_line && n <= a.last_line {
                    continue;
                } else {
                    out.push_str(l);
                }
            }
            out
        }
        None => {
            let mut out = text.to_string();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(line);
            out.push('\n');
            out
        }
    }
}

/// Removes every assignment of `key` (so it is really gone, not just an older value back).
pub fn unset(text: &str, key: &str) -> String {
    let parsed = parse(text);
    let doomed: Vec<(usize, usize)> = parsed.assignments.iter().filter(|a| a.key == key).map(|a| (a.first_line, a.last_line)).collect();
    text.split_inclusive('\n')
        .enumerate()
        .filter(|(i, _)| !doomed.iter().any(|(f, l)| (*f..=*l).contains(&(i + 1))))
        .map(|(_, l)| l)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str =
        "# shop env\nPORT=8080\n\n# the database\nDATABASE_URL=\"postgres://a\\\n:b@h/db\"\nSECRET=x   # not a comment\nPORT=9090\n";

    #[test]
    fn set_replaces_the_effective_line_and_keeps_the_rest() {
        let out = set(FILE, "PORT", "7000").unwrap();
        assert_eq!(out, FILE.replace("PORT=9090", "PORT=7000"));
        let out = set(FILE, "DATABASE_URL", "postgres://x@y/z").unwrap();
        assert_eq!(out, "# shop env\nPORT=8080\n\n# the database\nDATABASE_URL=postgres://x@y/z\nSECRET=x   # not a comment\nPORT=9090\n");
        let out = set(FILE, "NEW", "a b $c").unwrap();
        assert!(out.starts_with(FILE) && out.ends_with("NEW=\"a b \\$c\"\n"), "{out}");
        assert!(set("A=1", "B", "2").unwrap() == "A=1\nB=2\n");
        assert!(set(FILE, "export X", "1").is_err());
    }

    #[test]
    fn a_file_ending_in_an_open_quote_is_not_appended_to() {
        // Found by the fuzz target: the open quote would swallow the new line.
        assert!(set(">='", "K", "v").is_err());
        assert!(set("A='open\n", "K", "v").is_err());
    }

    #[test]
    fn unset_removes_every_assignment_of_the_key() {
        assert_eq!(
            unset(FILE, "PORT"),
            "# shop env\n\n# the database\nDATABASE_URL=\"postgres://a\\\n:b@h/db\"\nSECRET=x   # not a comment\n"
        );
        assert_eq!(unset(FILE, "DATABASE_URL"), "# shop env\nPORT=8080\n\n# the database\nSECRET=x   # not a comment\nPORT=9090\n");
        assert_eq!(unset(FILE, "NOPE"), FILE);
    }

    #[test]
    fn whatever_is_set_reads_back_exactly() {
        let mut rng = crate::text::XorShift(0x1234_5678_9abc_def1);
        let alphabet: Vec<char> = "aZ09 _-=#;'\"\\$`\t\n:/@%é✓".chars().collect();
        for _ in 0..5_000 {
            let value = rng.string(&alphabet, 16);
            let out = set(FILE, "K", &value).unwrap();
            let parsed = parse(&out);
            let got = parsed.effective().into_iter().find(|a| a.key == "K").map(|a| a.value.clone());
            // systemd trims trailing blanks of a value only when unquoted; we quote those.
            assert_eq!(got.as_deref(), Some(value.as_str()), "value {value:?} written as {out:?}");
            assert_eq!(parse(&out).effective().iter().find(|a| a.key == "PORT").unwrap().value, "9090");
        }
    }
}
