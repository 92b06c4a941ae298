//! A bounded time series for sparklines and charts: (unix seconds, value), newest last. The TUI
//! keeps one per host metric and per app metric; `cap` comes from fleet.toml's history window.

use std::collections::VecDeque;

/// How a series' values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Percent,
    Bytes,
    BytesPerSec,
    PerSec,
    Count,
}

impl Unit {
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::Percent => format!("{v:.0}%"),
            Unit::Bytes => crate::text::bytes(v.max(0.0) as u64),
            Unit::BytesPerSec => format!("{}/s", crate::text::bytes(v.max(0.0) as u64)),
            Unit::PerSec if v.abs() >= 100.0 => format!("{v:.0}/s"),
            Unit::PerSec => format!("{v:.2}/s"),
            Unit::Count if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
            Unit::Count => format!("{v:.2}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub unit: Unit,
    pub points: VecDeque<(i64, f64)>,
    cap: usize,
}

impl Series {
    pub fn new(label: impl Into<String>, unit: Unit, cap: usize) -> Series {
        Series { label: label.into(), unit, points: VecDeque::new(), cap: cap.max(2) }
    }

    /// Adds a point; drops the oldest beyond the cap and any point not after the last one (a
    /// prefilled history and a live sample can overlap).
    pub fn push(&mut self, at: i64, v: f64) {
        if !v.is_finite() || self.points.back().is_some_and(|(t, _)| *t >= at) {
            return;
        }
        self.points.push_back((at, v));
        while self.points.len() > self.cap {
            self.points.pop_front();
        }
    }

    pub fn latest(&self) -> Option<f64> {
        self.points.back().map(|(_, v)| *v)
    }

    /// The newest `n` values, for a sparkline `n` cells wide.
    pub fn tail(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        self.points.iter().skip(self.points.len().saturating_sub(n)).map(|(_, v)| *v)
    }
}

/// A text sparkline (one block character per value), scaled to `max` or the largest value.
pub fn spark(values: impl Iterator<Item = f64>, max: Option<f64>) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let values: Vec<f64> = values.collect();
    let top = max.unwrap_or_else(|| values.iter().copied().fold(0.0, f64::max));
    values.iter().map(|v| if top <= 0.0 { BARS[0] } else { BARS[((v / top).clamp(0.0, 1.0) * 7.0).round() as usize] }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_monotonic() {
        let mut s = Series::new("cpu", Unit::Percent, 3);
        for t in 0..10 {
            s.push(t, t as f64);
        }
        s.push(5, 99.0);
        s.push(20, f64::NAN);
        assert_eq!(s.points.iter().map(|p| p.0).collect::<Vec<_>>(), vec![7, 8, 9]);
        assert_eq!(spark(s.tail(2), Some(9.0)), "▇█");
        assert_eq!(spark([0.0, 0.0].into_iter(), None), "▁▁");
        assert_eq!(Unit::BytesPerSec.format(2048.0), "2.0K/s");
    }
}
