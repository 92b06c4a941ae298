//! A systemd app's activity: what systemd itself logged about its units (started, stopped,
//! exited, failed, restart scheduled), read from the journal on demand. Its messages carry a
//! MESSAGE_ID from systemd's catalog, which says what happened whatever the locale or version
//! words it. (The command is in commands.rs, with every other.)

use jiff::Timestamp;

use crate::model::{ActivityEntry, HostId};

/// systemd's catalog: the message IDs worth an activity line, in a word.
fn what(message_id: &str) -> Option<&'static str> {
    Some(match message_id {
        "39f53479d3a045ac8e11786248231fbf" => "started",
        "9d1aaa27d60140bd96365438aad20286" => "stopped",
        "98e322203f7a4ed290d09fe03c09fe15" => "exited",
        "d9b373ed55a64feb8242e02dbe79a49c" | "be02cf6855d2428ba40df7e9d022f03d" => "failed",
        "5eb03494b6584870a536b337290809b3" => "restarting",
        "7ad2d189f7e94e70a38c781354912448" => "finished",
        _ => return None,
    })
}

/// `journalctl -o json` lines → activity. Lines that are not systemd's catalogued unit messages
/// (or not JSON) are left out; a message of bytes (not UTF-8) is shown as such.
pub fn parse(host: &HostId, text: &str) -> Vec<ActivityEntry> {
    let mut out: Vec<ActivityEntry> = Vec::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let Some(what) = v["MESSAGE_ID"].as_str().and_then(what) else { continue };
        let Some(at) =
            v["__REALTIME_TIMESTAMP"].as_str().and_then(|t| t.parse::<i64>().ok()).and_then(|us| Timestamp::from_microsecond(us).ok())
        else {
            continue;
        };
        let unit = v["UNIT"].as_str().unwrap_or("");
        let message = v["MESSAGE"].as_str().unwrap_or("(a message that is not text)");
        // "failed" comes twice for one failure (the result, then the state): once is enough.
        if let Some(last) = out.last()
            && last.what == what
            && last.detail.starts_with(unit)
            && (at.as_second() - last.at.as_second()).abs() <= 1
        {
            continue;
        }
        // systemd starts most of these with the unit's name already.
        let detail = if message.starts_with(unit) { message.to_string() } else { format!("{unit}: {message}") };
        out.push(ActivityEntry { at, host: host.clone(), who: "systemd".into(), what: what.into(), detail });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemd_unit_messages_become_activity() {
        let text = r#"{"__REALTIME_TIMESTAMP":"1764637200000000","MESSAGE_ID":"39f53479d3a045ac8e11786248231fbf","UNIT":"shop-web.service","MESSAGE":"Started shop-web.service - shop web."}
{"__REALTIME_TIMESTAMP":"1764637201000000","UNIT":"shop-web.service","MESSAGE":"shop-web.service: Consumed 1.2s CPU time."}
{"__REALTIME_TIMESTAMP":"1764637202000000","MESSAGE_ID":"98e322203f7a4ed290d09fe03c09fe15","UNIT":"shop-web.service","MESSAGE":"shop-web.service: Main process exited, code=exited, status=1/FAILURE"}
{"__REALTIME_TIMESTAMP":"1764637202000100","MESSAGE_ID":"d9b373ed55a64feb8242e02dbe79a49c","UNIT":"shop-web.service","MESSAGE":"shop-web.service: Failed with result 'exit-code'."}
{"__REALTIME_TIMESTAMP":"1764637202000200","MESSAGE_ID":"be02cf6855d2428ba40df7e9d022f03d","UNIT":"shop-web.service","MESSAGE":"shop-web.service: Unit entered failed state."}
{"__REALTIME_TIMESTAMP":"1764637203000000","MESSAGE_ID":"5eb03494b6584870a536b337290809b3","UNIT":"shop-web.service","MESSAGE":[27,91,51,49,109]}
not json"#;
        let a = parse(&HostId("lon-1".into()), text);
        let words: Vec<&str> = a.iter().map(|e| e.what.as_str()).collect();
        assert_eq!(words, ["started", "exited", "failed", "restarting"]);
        assert_eq!(a[0].detail, "shop-web.service: Started shop-web.service - shop web.");
        assert_eq!(a[0].at.to_string(), "2025-12-02T01:00:00Z");
        assert_eq!(a[3].detail, "shop-web.service: (a message that is not text)", "bytes are not printed");
    }
}
