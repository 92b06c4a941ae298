//! Asking every host at once: the one fan-out the TUI's loaders and the CLI's commands share.
//! A slow host holds back only its own answer; a failing one becomes a line, not silence.

use std::sync::Arc;

use crate::model::HostId;
use crate::platform::Backend;

/// Runs `f` for every item on its host's backend, all at once. The Ok values in item order,
/// and one "host: why" line per item that failed (or whose host is not in the inventory).
pub async fn on_each_host<'a, I, T, E, Fut>(
    backends: &[Arc<dyn Backend>],
    items: &'a [I],
    host: impl Fn(&I) -> &HostId,
    f: impl Fn(Arc<dyn Backend>, &'a I) -> Fut,
) -> (Vec<T>, Vec<String>)
where
    Fut: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let runs = items.iter().map(|item| {
        let h = host(item).clone();
        let fut = backends.iter().find(|b| *b.id() == h).cloned().map(|b| f(b, item));
        async move {
            match fut {
                Some(fut) => fut.await.map_err(|e| format!("{h}: {e}")),
                None => Err(format!("{h}: not in the inventory")),
            }
        }
    });
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for r in futures::future::join_all(runs).await {
        match r {
            Ok(v) => ok.push(v),
            Err(e) => failed.push(e),
        }
    }
    (ok, failed)
}
