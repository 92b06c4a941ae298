//! `fleet audit [-n N] [--json]`

use super::output;
use crate::audit;

pub fn run(lines: usize, json: bool) -> anyhow::Result<i32> {
    let entries = audit::tail(lines);
    if json {
        for e in &entries {
            output::print(&(serde_json::to_string(e)? + "\n"))?;
        }
        return Ok(0);
    }
    if entries.is_empty() {
        eprintln!("fleet: no actions recorded yet ({})", audit::path().map(|p| p.display().to_string()).unwrap_or_default());
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.time.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                e.user.clone(),
                e.host.clone(),
                e.app.clone(),
                e.action.clone(),
                e.result.clone(),
                e.command.clone(),
            ]
        })
        .collect();
    output::print(&output::table(&["TIME (UTC)", "USER", "HOST", "APP", "ACTION", "RESULT", "COMMAND"], &rows))?;
    Ok(0)
}
