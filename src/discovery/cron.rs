//! Standard five-field cron schedules (what a Kubernetes CronJob's `spec.schedule` holds): when
//! the next run after a given time is due. fleet asks this to tell an overdue job from one that
//! is between runs. Pure; bounded (a schedule that never fires, `0 0 30 2 *`, gives None).

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// A parsed schedule: each field the set of values it fires on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    /// Both day fields restricted: a day matches when either does (as every cron does).
    either_day: bool,
    tz: TimeZone,
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

impl Cron {
    /// Parses `spec` in `time_zone` (a CronJob's `spec.timeZone`; UTC when None, as the
    /// controller does). A leading `CRON_TZ=…` or `TZ=…` names the zone too.
    pub fn parse(spec: &str, time_zone: Option<&str>) -> Result<Cron, String> {
        let mut spec = spec.trim();
        let mut zone = time_zone.map(str::to_string);
        for prefix in ["CRON_TZ=", "TZ="] {
            if let Some(rest) = spec.strip_prefix(prefix) {
                let (z, rest) = rest.split_once(char::is_whitespace).ok_or_else(|| format!("{spec:?}: no schedule after the time zone"))?;
                zone = Some(z.to_string());
                spec = rest.trim();
            }
        }
        let tz = match zone.as_deref() {
            None | Some("UTC" | "Etc/UTC") => TimeZone::UTC,
            Some(z) => TimeZone::get(z).map_err(|e| format!("time zone {z:?}: {e}"))?,
        };
        let expanded = match spec {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            s => s,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [min, hour, dom, mon, dow] = fields[..] else {
            return Err(format!("{spec:?}: a cron schedule has five fields (minute hour day month weekday)"));
        };
        let weekdays = field(dow, 0, 7, &WEEKDAYS).map_err(|e| format!("{spec:?}: weekday: {e}"))?;
        Ok(Cron {
            minutes: field(min, 0, 59, &[]).map_err(|e| format!("{spec:?}: minute: {e}"))?,
            hours: field(hour, 0, 23, &[]).map_err(|e| format!("{spec:?}: hour: {e}"))?,
            days: field(dom, 1, 31, &[]).map_err(|e| format!("{spec:?}: day: {e}"))?,
            months: field(mon, 1, 12, &MONTHS).map_err(|e| format!("{spec:?}: month: {e}"))?,
            // 7 is Sunday too.
            weekdays: (weekdays | (weekdays >> 7)) & 0x7f,
            either_day: !dom.starts_with('*') && !dow.starts_with('*'),
            tz,
        })
    }

    /// The first time strictly after `after` the schedule fires; None when it never does
    /// within eight years.
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        let start = after.to_zoned(self.tz.clone()).datetime();
        let mut t = start.date().to_datetime(Time::new(start.hour(), start.minute(), 0, 0).ok()?).checked_add(1.minute()).ok()?;
        let limit = start.date().checked_add(8.years()).ok()?;
        while t.date() < limit {
            if !bit(self.months, t.month() as u32) {
                t = first_of_next_month(t.date())?.to_datetime(Time::midnight());
            } else if !self.day_matches(t.date()) {
                t = t.date().tomorrow().ok()?.to_datetime(Time::midnight());
            } else if !bit(self.hours, t.hour() as u32) {
                t = t.date().to_datetime(Time::new(t.hour(), 0, 0, 0).ok()?).checked_add(1.hour()).ok()?;
            } else if !bit(self.minutes, t.minute() as u32) {
                t = t.checked_add(1.minute()).ok()?;
            } else {
                let ts = self.tz.to_timestamp(t).ok()?;
                // A local time skipped by a DST change resolves earlier than `after`: go on.
                if ts > after {
                    return Some(ts);
                }
                t = t.checked_add(1.minute()).ok()?;
            }
        }
        None
    }

    fn day_matches(&self, d: Date) -> bool {
        let dom = bit(self.days, d.day() as u32);
        let dow = bit(self.weekdays, d.weekday().to_sunday_zero_offset() as u32);
        if self.either_day { dom || dow } else { dom && dow }
    }
}

fn bit(set: u64, n: u32) -> bool {
    set & (1 << n) != 0
}

fn first_of_next_month(d: Date) -> Option<Date> {
    d.first_of_month().checked_add(1.month()).ok()
}

/// One field: `*`, `5`, `1-5`, `*/15`, `10-50/20`, `mon-fri`, lists of those.
fn field(text: &str, lo: u32, hi: u32, names: &[&str]) -> Result<u64, String> {
    let value = |s: &str| -> Result<u32, String> {
        let lower = s.to_ascii_lowercase();
        if let Some(i) = names.iter().position(|n| *n == lower) {
            return Ok(i as u32 + if names.len() == 12 { 1 } else { 0 });
        }
        let n: u32 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
        if n < lo || n > hi { Err(format!("{n} is outside {lo}-{hi}")) } else { Ok(n) }
    };
    let mut set = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(|| format!("step {s:?} is not a positive number"))?),
            None => (part, 1),
        };
        let (from, to) = match range {
            "*" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                // `5/10` means from 5 to the end, every 10.
                None if step > 1 => (value(r)?, hi),
                None => (value(r)?, value(r)?),
            },
        };
        if from > to {
            return Err(format!("{range:?} runs backwards"));
        }
        // Steps are bounded by the field's range: a hostile `1-5/4294967295` ends, it does not wrap.
        for n in (from..=to).step_by(step.min(hi + 1) as usize) {
            set |= 1 << n;
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn next(spec: &str, after: &str) -> Option<String> {
        Cron::parse(spec, None).unwrap().next_after(at(after)).map(|t| t.to_string())
    }

    #[test]
    fn common_schedules_fire_when_cron_would() {
        assert_eq!(next("*/5 * * * *", "2026-12-01T10:02:30Z").as_deref(), Some("2026-12-01T10:05:00Z"));
        assert_eq!(next("*/5 * * * *", "2026-12-01T10:05:00Z").as_deref(), Some("2026-12-01T10:10:00Z"));
        assert_eq!(next("0 3 * * *", "2026-12-01T03:00:00Z").as_deref(), Some("2026-12-02T03:00:00Z"));
        assert_eq!(next("@hourly", "2026-12-01T23:59:00Z").as_deref(), Some("2026-12-02T00:00:00Z"));
        assert_eq!(next("0 0 1 1 *", "2026-06-01T00:00:00Z").as_deref(), Some("2027-01-01T00:00:00Z"));
        assert_eq!(next("30 9 * * mon-fri", "2026-12-04T10:00:00Z").as_deref(), Some("2026-12-07T09:30:00Z"));
        assert_eq!(next("0 0 * * 7", "2026-12-01T00:00:00Z").as_deref(), Some("2026-12-06T00:00:00Z"));
        assert_eq!(next("5/20 * * * *", "2026-12-01T10:06:00Z").as_deref(), Some("2026-12-01T10:25:00Z"));
        assert_eq!(next("0 12 * feb *", "2026-12-01T00:00:00Z").as_deref(), Some("2027-02-01T12:00:00Z"));
    }

    #[test]
    fn both_day_fields_restricted_match_either() {
        // The 15th, or any Monday: the first after Tue 1 Dec is Mon 7 Dec.
        assert_eq!(next("0 0 15 * 1", "2026-12-01T00:00:00Z").as_deref(), Some("2026-12-07T00:00:00Z"));
    }

    #[test]
    fn a_time_zone_moves_the_run() {
        let c = Cron::parse("0 3 * * *", Some("Europe/Berlin")).unwrap();
        assert_eq!(c.next_after(at("2026-12-01T00:00:00Z")).unwrap().to_string(), "2026-12-01T02:00:00Z");
        let c = Cron::parse("CRON_TZ=Europe/Berlin 0 3 * * *", None).unwrap();
        assert_eq!(c.next_after(at("2026-12-01T00:00:00Z")).unwrap().to_string(), "2026-12-01T02:00:00Z");
    }

    #[test]
    fn impossible_or_malformed_schedules_say_so() {
        assert_eq!(next("0 0 30 2 *", "2026-12-01T00:00:00Z"), None);
        for bad in ["* * * *", "61 * * * *", "*/0 * * * *", "5-1 * * * *", "x * * * *", "* * * * * *"] {
            assert!(Cron::parse(bad, None).is_err(), "{bad} should not parse");
        }
        assert!(Cron::parse("0 3 * * *", Some("Nowhere/City")).is_err());
    }

    #[test]
    fn hostile_schedules_end() {
        for odd in ["1-5/4294967295 * * * *", "*/4294967295 * * * *", "0 0 * * 0-7/7", "59/60 23 31 12 *", "0 0 29 2 *"] {
            let c = Cron::parse(odd, None).unwrap_or_else(|e| panic!("{odd}: {e}"));
            let _ = c.next_after(at("2026-12-01T00:00:00Z"));
        }
        assert_eq!(next("0 0 29 2 *", "2026-12-01T00:00:00Z").as_deref(), Some("2028-02-29T00:00:00Z"), "the next leap day");
        for junk in ["", "@reboot", "* * * * mon-", "--1 * * * *", "1,,2 * * * *", "\u{1b}[31m * * * *"] {
            assert!(Cron::parse(junk, None).is_err(), "{junk:?}");
        }
    }
}
