//! Secrets stay hidden unless asked for: values of secret-looking keys are masked whole, and
//! URLs keep scheme, user, host and database but not their password.

const SECRET_WORDS: [&str; 14] = [
    "KEY",
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PRIVATE",
    "CREDENTIAL",
    "DSN",
    "AUTH",
    "SALT",
    "COOKIE",
    "SESSION",
    "SIGNATURE",
];

pub const MASK: &str = "••••••••";

/// Whether a key names a secret (API_KEY, DB_PASSWORD, SENTRY_DSN, AUTH_TOKEN, …).
pub fn secret_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| k.split(|c: char| !c.is_ascii_alphanumeric()).any(|part| part == *w) || k.contains(w) && w.len() >= 5)
}

/// The value as shown by default.
pub fn masked(key: &str, value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    if let Some(m) = mask_url_password(value) {
        return if secret_key(key) && !key.to_ascii_uppercase().ends_with("URL") && !key.to_ascii_uppercase().ends_with("DSN") {
            MASK.into()
        } else {
            m
        };
    }
    if secret_key(key) { MASK.into() } else { value.to_string() }
}

/// Whether showing the value unmasked would show a secret.
pub fn is_secret(key: &str, value: &str) -> bool {
    masked(key, value) != value
}

/// `scheme://user:password@host…` → `scheme://user:••••@host…`; None when there is no password.
pub fn mask_url_password(value: &str) -> Option<String> {
    let (scheme, rest) = value.split_once("://")?;
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
        return None;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = authority.rfind('@')?;
    let userinfo = &authority[..at];
    let colon = userinfo.find(':')?;
    if colon + 1 >= userinfo.len() {
        return None;
    }
    Some(format!("{scheme}://{}:••••{}", &userinfo[..colon], &rest[at..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for k in [
            "SECRET_KEY_BASE",
            "API_KEY",
            "DB_PASSWORD",
            "SENTRY_DSN",
            "AUTH_TOKEN",
            "GITHUB_TOKEN",
            "PRIVATE_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "SMTP_PASS",
            "aws_credentials",
        ] {
            assert!(secret_key(k), "{k}");
        }
        for k in ["PORT", "RAILS_ENV", "DATABASE_URL", "WEB_CONCURRENCY", "PASSENGER_MAX", "MONKEY_COUNT"] {
            assert!(!secret_key(k), "{k}");
        }
    }

    #[test]
    fn urls_keep_all_but_the_password() {
        assert_eq!(masked("DATABASE_URL", "postgres://shop:s3cret@localhost:5432/shop"), "postgres://shop:••••@localhost:5432/shop");
        assert_eq!(masked("REDIS_URL", "redis://:pw@cache:6379/0"), "redis://:••••@cache:6379/0");
        assert_eq!(masked("REDIS_URL", "redis://localhost:6379/0"), "redis://localhost:6379/0");
        assert_eq!(masked("X", "https://user:p%40ss@h/p?q=a@b"), "https://user:••••@h/p?q=a@b");
        assert_eq!(masked("SENTRY_DSN", "https://abc:def@o1.ingest/2"), "https://abc:••••@o1.ingest/2");
    }

    #[test]
    fn secrets_are_masked_whole_and_the_rest_shown() {
        assert_eq!(masked("SECRET_KEY_BASE", "abc123"), MASK);
        assert_eq!(masked("PORT", "8080"), "8080");
        assert!(is_secret("API_KEY", "x") && !is_secret("PORT", "8080"));
        assert_eq!(masked("API_KEY", ""), "");
    }
}
