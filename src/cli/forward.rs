//! `fleet forward APP|ADDON [LOCAL:]REMOTE [--host H]`: in the foreground until Ctrl-C.

use std::sync::Arc;
use std::time::Duration;

use super::args::ForwardArgs;
use super::discover::discover;
use crate::actions::forward::{self, Destination, ForwardState, ForwardStats};
use crate::audit;
use crate::context::Context;

fn ports(text: &str) -> Result<(Option<u16>, u16), String> {
    let bad = || format!("{text:?}: expected REMOTE or LOCAL:REMOTE ports, e.g. 6379 or 16379:6379");
    match text.split_once(':') {
        Some((l, r)) => Ok((Some(l.parse().map_err(|_| bad())?), r.parse().map_err(|_| bad())?)),
        None => Ok((None, text.parse().map_err(|_| bad())?)),
    }
}

pub async fn run(ctx: &Context, args: ForwardArgs) -> anyhow::Result<i32> {
    let (local, remote) = match ports(&args.ports) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    let hosts: Vec<String> = args.host.iter().cloned().collect();
    let found = match discover(ctx, &hosts).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    // An app: its first host (or --host). Anything else is an add-on name and needs --host.
    let targets = crate::model::targets(&found.reports, &args.target, &[], &hosts);
    // The app is there, but nowhere fleet can forward from: its platform's reason, not "no app".
    if let Some(crate::model::platform::Can::No(why)) =
        targets.first().filter(|_| !targets.iter().any(|t| t.platform.caps.forward.yes())).map(|t| t.platform.caps.forward)
    {
        eprintln!("fleet: {}: {why}", targets[0].host);
        return Ok(1);
    }
    let app = targets.into_iter().find(|t| t.platform.caps.forward.yes());
    let platform = app.as_ref().map(|t| t.platform);
    let host = match (app.map(|t| t.host), &args.host) {
        (Some(h), _) => h,
        (None, Some(h)) => crate::model::HostId(h.clone()),
        (None, None) => {
            eprintln!("fleet: {:?} is not an app on the hosts that answered; for an add-on, say which host with --host", args.target);
            return Ok(2);
        }
    };
    let Some(backend) = found.backends.iter().find(|b| *b.id() == host).cloned() else {
        eprintln!("fleet: {host} did not answer");
        return Ok(1);
    };
    let want = local.unwrap_or(remote);
    let (listener, moved) = match forward::bind(args.bind.unwrap_or(ctx.config.forward_bind), want).await {
        Ok(v) => v,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(1);
        }
    };
    let addr = listener.local_addr()?;
    if moved {
        eprintln!("fleet: local port {want} is taken; using {}", addr.port());
    }
    // Where the port is depends on the platform (a unit's 127.0.0.1, a container's address, a
    // pod): each connection is made by it.
    eprintln!("fleet: forwarding {addr} → {} port {remote} on {host}; Ctrl-C stops", args.target);
    audit::record(&host, &args.target, "forward", &format!("{addr} -> 127.0.0.1:{remote}"), "started".into());
    let stats = Arc::new(ForwardStats::new(addr, remote));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(forward::serve(
        listener,
        backend,
        Destination { label: args.target.clone(), platform, port: remote },
        stats.clone(),
        stop_rx,
    ));
    // Say when the link goes down and comes back, so the user knows the forward is healing.
    let mut last = ForwardState::Listening;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            _ = &mut ctrl_c => break,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
        let now = stats.state.lock().map(|s| s.clone()).unwrap_or(ForwardState::Listening);
        if now != last {
            match (&last, &now) {
                (_, ForwardState::Reconnecting(why)) => {
                    eprintln!("fleet: {host}: connection lost ({why}); reconnecting, still listening on {addr}")
                }
                (_, ForwardState::Refused(why)) => eprintln!("fleet: {why}: the client's connection was closed"),
                (ForwardState::Reconnecting(_), ForwardState::Listening) => eprintln!("fleet: {host}: reconnected"),
                (_, ForwardState::Listening) => {}
            }
            last = now;
        }
    }
    let _ = stop_tx.send(true);
    let _ = server.await;
    audit::record(&host, &args.target, "forward", &format!("{addr} -> 127.0.0.1:{remote}"), format!("stopped: {}", stats.summary()));
    eprintln!("fleet: forward stopped: {}", stats.summary());
    Ok(0)
}
