//! `--since 1h`, `--since 2026-11-22T10:00`: relative durations back from now, or absolute times
//! (with an offset or Z, else in the local time zone, as journalctl would read them).

use jiff::{Timestamp, tz::TimeZone};

pub fn parse_when(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let t = text.trim();
    if let Ok(d) = crate::config::duration::parse(t) {
        let d = jiff::SignedDuration::try_from(d).map_err(|e| e.to_string())?;
        return now.checked_sub(d).map_err(|e| format!("{text:?}: {e}"));
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    let civil = t
        .replacen(' ', "T", 1)
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| t.parse::<jiff::civil::Date>().map(|d| d.to_datetime(jiff::civil::Time::midnight())))
        .map_err(|_| format!("cannot read {text:?} as a time: use e.g. 1h, 30m, 2026-11-22T10:00 or 2026-11-22T10:00:00Z"))?;
    civil.to_zoned(TimeZone::system()).map(|z| z.timestamp()).map_err(|e| format!("{text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_absolute() {
        let now: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        assert_eq!(parse_when("1h", now).unwrap().to_string(), "2026-11-22T09:00:00Z");
        assert_eq!(parse_when("90s", now).unwrap().to_string(), "2026-11-22T09:58:30Z");
        assert_eq!(parse_when("2026-11-22T08:00:00Z", now).unwrap().to_string(), "2026-11-22T08:00:00Z");
        assert!(parse_when("2026-11-22T08:00", now).is_ok());
        assert!(parse_when("2026-11-22", now).is_ok());
        assert!(parse_when("yesterday-ish", now).is_err());
    }
}
