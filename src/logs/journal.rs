//! journalctl `-o json` lines into `LogLine`s. journald's JSON has a few shapes to know:
//! a field may be a string, an array of byte values (binary or invalid UTF-8), null (too large),
//! or an array of those when the field occurs more than once.

use jiff::Timestamp;
use serde_json::Value;

use crate::model::{HostId, LogLine, ResumeToken};

/// Which app/process a unit belongs to on this host.
pub trait UnitOwner {
    fn owner(&self, unit: &str) -> Option<(&str, &str)>;
}

impl UnitOwner for [(String, String, String)] {
    fn owner(&self, unit: &str) -> Option<(&str, &str)> {
        self.iter().find(|(u, _, _)| u == unit).map(|(_, a, p)| (a.as_str(), p.as_str()))
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum ParseError {
    NotJson(String),
    Missing(&'static str),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::NotJson(e) => write!(f, "not a journal JSON line: {e}"),
            ParseError::Missing(field) => write!(f, "journal entry without {field}"),
        }
    }
}

/// Parses one line of `journalctl -o json`. `units` maps unit names to (app, process).
/// Entries of units we do not know (journalctl also matches messages *about* a unit, logged by
/// systemd with UNIT=) are attributed through the UNIT field.
pub fn parse_line(line: &[u8], host: &HostId, units: &[(String, String, String)]) -> Result<Option<LogLine>, ParseError> {
    let v: Value = serde_json::from_slice(line).map_err(|e| ParseError::NotJson(e.to_string()))?;
    let cursor = v.get("__CURSOR").and_then(Value::as_str).ok_or(ParseError::Missing("__CURSOR"))?;
    let micros: i64 = v
        .get("__REALTIME_TIMESTAMP")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or(ParseError::Missing("__REALTIME_TIMESTAMP"))?;
    let ts = Timestamp::from_microsecond(micros).map_err(|_| ParseError::Missing("a valid __REALTIME_TIMESTAMP"))?;
    let unit = ["_SYSTEMD_UNIT", "UNIT", "OBJECT_SYSTEMD_UNIT"]
        .iter()
        .filter_map(|k| v.get(*k).and_then(field_text))
        .find(|u| units.owner(u).is_some());
    let Some(unit) = unit else { return Ok(None) };
    let (app, process) = units.owner(&unit).unwrap_or(("", ""));
    Ok(Some(LogLine {
        ts,
        host: host.clone(),
        app: app.to_string(),
        process: process.to_string(),
        source: unit.clone(),
        priority: v.get("PRIORITY").and_then(field_text).and_then(|p| p.trim().parse().ok()).filter(|p| *p <= 7),
        stream: None,
        message: v.get("MESSAGE").and_then(field_text).unwrap_or_default(),
        resume: ResumeToken::Journald(cursor.to_string()),
        clock: crate::model::Clock::Source,
    }))
}

/// A journal field as text: strings as they are, byte arrays decoded lossily, repeated fields
/// joined by newlines, null (journald's "too large to show") as None.
pub fn field_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) if items.iter().all(Value::is_number) => {
            let bytes: Vec<u8> = items.iter().filter_map(|n| n.as_u64()).map(|n| n.min(255) as u8).collect();
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(field_text).collect();
            (!parts.is_empty()).then(|| parts.join("\n"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> Vec<(String, String, String)> {
        vec![("shop-web.service".into(), "shop".into(), "web".into())]
    }

    fn parse(s: &str) -> Option<LogLine> {
        parse_line(s.as_bytes(), &HostId("h".into()), &units()).unwrap()
    }

    #[test]
    fn a_plain_entry() {
        let l = parse(r#"{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1795323351211898","PRIORITY":"3","MESSAGE":"boom","_SYSTEMD_UNIT":"shop-web.service"}"#).unwrap();
        assert_eq!(l.ts.to_string(), "2026-11-22T04:55:51.211898Z");
        assert_eq!((l.app.as_str(), l.process.as_str(), l.priority), ("shop", "web", Some(3)));
        assert_eq!(l.message, "boom");
        assert_eq!(l.resume, ResumeToken::Journald("s=1;i=2".into()));
    }

    #[test]
    fn binary_and_multiline_messages() {
        // "caf\xe9\n\x1b[31mred" as bytes: invalid UTF-8 is replaced, not dropped.
        let l = parse(r#"{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1","MESSAGE":[99,97,102,233,10,27,91,51,49,109,114,101,100],"_SYSTEMD_UNIT":"shop-web.service"}"#).unwrap();
        assert_eq!(l.message, "caf\u{fffd}\n\u{1b}[31mred");
        let l = parse(r#"{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1","MESSAGE":"line one\nline two","_SYSTEMD_UNIT":"shop-web.service"}"#)
            .unwrap();
        assert_eq!(l.message.lines().count(), 2);
    }

    #[test]
    fn repeated_and_null_fields() {
        let l = parse(r#"{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1","MESSAGE":["a","b"],"_SYSTEMD_UNIT":["shop-web.service","x"]}"#);
        assert!(l.is_none() || l.unwrap().message == "a\nb");
        let l = parse(r#"{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1","MESSAGE":null,"_SYSTEMD_UNIT":"shop-web.service"}"#).unwrap();
        assert_eq!(l.message, "");
    }

    #[test]
    fn messages_about_the_unit_from_systemd() {
        let l = parse(r#"{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1","MESSAGE":"Started shop web.","_SYSTEMD_UNIT":"init.scope","UNIT":"shop-web.service"}"#).unwrap();
        assert_eq!(l.process, "web");
    }

    #[test]
    fn other_units_and_garbage() {
        assert!(parse(r#"{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1","MESSAGE":"x","_SYSTEMD_UNIT":"ssh.service"}"#).is_none());
        assert!(parse_line(b"not json", &HostId("h".into()), &units()).is_err());
        assert_eq!(parse_line(br#"{"MESSAGE":"x"}"#, &HostId("h".into()), &units()), Err(ParseError::Missing("__CURSOR")));
    }
}
