//! Quoting for the POSIX shell on the other end: every remote name (a unit, a file, a cursor,
//! an app's user) goes through here before it joins a command line.

pub fn quote_all(words: &[String]) -> String {
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

/// Quotes one word for a POSIX shell: safe for any bytes a unit or app name could hold.
pub fn quote(word: &str) -> String {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./_-".contains(&b)) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r#"'\''"#))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("shop-web.service"), "shop-web.service");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(quote("it's"), r#"'it'\''s'"#);
        assert_eq!(quote("x\\x2dy"), "'x\\x2dy'");
    }
}
