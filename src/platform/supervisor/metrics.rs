//! Per-program metrics from /proc: a program's process and everything under it (a `sh -c`
//! wrapper's children count), CPU time as a counter (rates against the previous reading, as for
//! systemd units) and resident memory.

use std::collections::HashMap;

use crate::metrics::units::Sample;
use crate::model::metrics::UnitMetrics;

/// (pid, ppid, utime+stime ticks, rss pages) of one `/proc/PID/stat` line.
fn stat_line(line: &str) -> Option<(u32, u32, u64, u64)> {
    let pid = line.split(' ').next()?.parse().ok()?;
    // The command name is in parentheses and may hold spaces: fields follow the last ')'.
    let rest = &line[line.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    // rest starts at field 3 (state): ppid is field 4, utime 14, stime 15, rss 24.
    let ppid = f.get(1)?.parse().ok()?;
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    let rss = f.get(21)?.parse().ok()?;
    Some((pid, ppid, ticks, rss))
}

/// `commands::PROC_STATS` read for `units` (namespec, pid, state label).
pub fn parse(text: &str, units: &[(String, Option<u32>, String)]) -> Sample {
    let mut lines = text.lines();
    let tick: u64 = lines.next().and_then(|l| l.trim().parse().ok()).unwrap_or(100).max(1);
    let page: u64 = lines.next().and_then(|l| l.trim().parse().ok()).unwrap_or(4096);
    let at: f64 = lines.next().and_then(|l| l.trim().parse().ok()).unwrap_or(0.0);
    let procs: Vec<(u32, u32, u64, u64)> = lines.filter_map(stat_line).collect();
    let mut children: HashMap<u32, Vec<usize>> = HashMap::new();
    for (n, p) in procs.iter().enumerate() {
        children.entry(p.1).or_default().push(n);
    }
    let mut out = Vec::new();
    for (unit, pid, active) in units {
        let (mut cpu, mut rss, mut tasks) = (None, None, None);
        if let Some(root) = pid.and_then(|pid| procs.iter().position(|p| p.0 == pid)) {
            let (mut ticks, mut pages, mut n) = (0u64, 0u64, 0u64);
            let mut stack = vec![root];
            while let Some(i) = stack.pop() {
                ticks += procs[i].2;
                pages += procs[i].3;
                n += 1;
                stack.extend(children.get(&procs[i].0).into_iter().flatten().copied());
            }
            cpu = Some(ticks.saturating_mul(1_000_000_000) / tick);
            rss = Some(pages * page);
            tasks = Some(n);
        }
        out.push((
            unit.clone(),
            cpu,
            UnitMetrics { unit: unit.clone(), active: active.clone(), cpu_percent: None, memory_bytes: rss, tasks, restarts: None },
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    (out, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_counts_its_children() {
        let text = "100\n4096\n1700000000.5\n10 (sh) S 1 10 10 0 -1 0 0 0 0 0 30 20 0 0 20 0 1 0 1 0 100 0\n11 (my app) S 10 10 10 0 -1 0 0 0 0 0 50 50 0 0 20 0 1 0 1 0 200 0\n12 (other) S 1 12 12 0 -1 0 0 0 0 0 7 7 0 0 20 0 1 0 1 0 5 0\n";
        let (m, at) = parse(text, &[("pay:pay-web_00".into(), Some(10), "running".into())]);
        assert_eq!(at, 1700000000.5);
        assert_eq!(m[0].1, Some(1_500_000_000));
        assert_eq!((m[0].2.memory_bytes, m[0].2.tasks), (Some(300 * 4096), Some(2)));
    }
}
