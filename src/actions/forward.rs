//! Port-forwards that heal themselves: the local listener stays open the whole time; each
//! connection opens a direct-tcpip channel over the host's shared ssh connection; when that
//! connection drops, fleet reconnects with backoff (a keep-warm task notices within seconds,
//! keepalives stop idle drops), and new connections wait for it rather than fail.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::model::{HostError, HostErrorKind, PlatformRef};
use crate::platform::Backend;
use crate::transport::BoxStream;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardState {
    Listening,
    Reconnecting(String),
    /// The link is up but the last connection was refused over there.
    Refused(String),
}

impl ForwardState {
    /// What the forwards pane and `fleet forward` say.
    pub fn label(&self) -> String {
        match self {
            ForwardState::Listening => "listening".into(),
            ForwardState::Reconnecting(why) => format!("reconnecting: {why}"),
            ForwardState::Refused(why) => format!("listening; last connection refused: {why}"),
        }
    }
}

/// Live numbers for the forwards pane and the CLI.
#[derive(Debug)]
pub struct ForwardStats {
    pub local: SocketAddr,
    pub remote_port: u16,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    pub active: AtomicUsize,
    pub total: AtomicUsize,
    /// Connections refused at the far end (nothing listening there).
    pub refused: AtomicUsize,
    pub state: std::sync::Mutex<ForwardState>,
}

impl ForwardStats {
    pub fn new(local: SocketAddr, remote_port: u16) -> ForwardStats {
        ForwardStats {
            local,
            remote_port,
            bytes_in: 0.into(),
            bytes_out: 0.into(),
            active: 0.into(),
            total: 0.into(),
            refused: 0.into(),
            state: std::sync::Mutex::new(ForwardState::Listening),
        }
    }
}

/// Binds `bind:port`, or the next free port above it (up to 20 tries). Returns the listener and
/// whether the port moved.
pub async fn bind(bind: IpAddr, port: u16) -> Result<(TcpListener, bool), String> {
    let mut last = String::new();
    for p in port..=port.saturating_add(20) {
        match TcpListener::bind((bind, p)).await {
            Ok(l) => return Ok((l, p != port)),
            Err(e) => last = e.to_string(),
        }
        if port == 0 {
            break;
        }
    }
    Err(format!("cannot listen on {bind}:{port} or the 20 ports above it: {last}"))
}

/// `bind` without waiting: binding a local port never blocks, so the TUI loop may call it.
pub fn bind_now(bind: IpAddr, port: u16) -> Result<(TcpListener, bool), String> {
    let mut last = String::new();
    for p in port..=port.saturating_add(20) {
        match std::net::TcpListener::bind((bind, p)) {
            Ok(l) => {
                l.set_nonblocking(true).map_err(|e| e.to_string())?;
                return TcpListener::from_std(l).map(|l| (l, p != port)).map_err(|e| e.to_string());
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("cannot listen on {bind}:{port} or the 20 ports above it: {last}"))
}

/// Where a forward's connections go: the app's port through its platform (a pod of it on a
/// cluster), or, for an add-on, the row's own way to a named port.
#[derive(Debug, Clone)]
pub struct Destination {
    /// The app (or add-on) whose port it is.
    pub label: String,
    /// The app's platform; None for an add-on.
    pub platform: Option<PlatformRef>,
    pub port: u16,
}

async fn connect(backend: &dyn Backend, to: &Destination) -> Result<BoxStream, HostError> {
    match to.platform {
        Some(p) => backend.platform(p)?.connect(&to.label, to.port).await,
        None => backend.connect_port(&to.label, to.port).await,
    }
}

/// Serves until `stop` flips. Connections in flight are dropped with it.
pub async fn serve(
    listener: TcpListener,
    backend: Arc<dyn Backend>,
    to: Destination,
    stats: Arc<ForwardStats>,
    mut stop: watch::Receiver<bool>,
) {
    let warm = tokio::spawn(keep_warm(backend.clone(), stats.clone(), stop.clone()));
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => break,
        };
        let Ok((socket, _)) = accepted else { continue };
        let _ = socket.set_nodelay(true);
        let (backend, stats, stop, to) = (backend.clone(), stats.clone(), stop.clone(), to.clone());
        tokio::spawn(async move {
            stats.total.fetch_add(1, Ordering::Relaxed);
            stats.active.fetch_add(1, Ordering::Relaxed);
            pipe(socket, backend.as_ref(), &to, &stats, stop).await;
            stats.active.fetch_sub(1, Ordering::Relaxed);
        });
    }
    warm.abort();
}

async fn pipe(
    mut socket: tokio::net::TcpStream,
    backend: &dyn Backend,
    to: &Destination,
    stats: &ForwardStats,
    mut stop: watch::Receiver<bool>,
) {
    // The connection may be down right now: retry with backoff for up to ~30 s, so a client
    // that connects during an outage is served once the link is back. A port that refuses
    // while the link is fine is refused at once: the client sees its connection reset.
    let mut delay = Duration::from_millis(200);
    let mut remote = None;
    for _ in 0..12 {
        match connect(backend, to).await {
            Ok(s) => {
                remote = Some(s);
                break;
            }
            Err(e) if e.kind == HostErrorKind::Refused => {
                stats.refused.fetch_add(1, Ordering::Relaxed);
                set_state(stats, ForwardState::Refused(e.message));
                refuse(&socket);
                return;
            }
            Err(e) => {
                set_state(stats, ForwardState::Reconnecting(e.message));
                backend.reset().await;
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.changed() => return,
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
    let Some(mut remote) = remote else { return };
    set_state(stats, ForwardState::Listening);
    let copied = tokio::select! {
        r = tokio::io::copy_bidirectional(&mut socket, &mut remote) => r,
        _ = stop.changed() => return,
    };
    if let Ok((out, back)) = copied {
        stats.bytes_out.fetch_add(out, Ordering::Relaxed);
        stats.bytes_in.fetch_add(back, Ordering::Relaxed);
    }
}

/// Closing with a zero linger sends a reset: the client hears "connection reset" at once, as
/// from a closed port, instead of a silent EOF. (tokio deprecates linger because a non-zero one
/// blocks on drop; zero never does.)
#[allow(deprecated)]
fn refuse(socket: &tokio::net::TcpStream) {
    let _ = socket.set_linger(Some(Duration::ZERO));
}

fn set_state(stats: &ForwardStats, s: ForwardState) {
    if let Ok(mut st) = stats.state.lock() {
        *st = s;
    }
}

/// Reconnects on its own when the ssh connection drops, so the next client finds it up.
async fn keep_warm(backend: Arc<dyn Backend>, stats: Arc<ForwardStats>, mut stop: watch::Receiver<bool>) {
    let mut delay = Duration::from_millis(250);
    loop {
        match backend.ensure_connected().await {
            Ok(()) => {
                // Back from an outage; a refused connection's note stays until one works.
                if stats.state.lock().is_ok_and(|s| matches!(*s, ForwardState::Reconnecting(_))) {
                    set_state(&stats, ForwardState::Listening);
                }
                delay = Duration::from_millis(250);
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                    _ = stop.changed() => return,
                }
            }
            Err(e) => {
                set_state(&stats, ForwardState::Reconnecting(e.message));
                backend.reset().await;
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.changed() => return,
                }
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
    }
}

impl ForwardStats {
    /// "N connection(s), B bytes out, B bytes in" (and refusals), for the audit log and the
    /// CLI's last line.
    pub fn summary(&self) -> String {
        let refused = self.refused.load(Ordering::Relaxed);
        let refused = if refused > 0 { format!(", {refused} refused over there") } else { String::new() };
        format!(
            "{} connection(s), {} bytes out, {} bytes in{refused}",
            self.total.load(Ordering::Relaxed),
            self.bytes_out.load(Ordering::Relaxed),
            self.bytes_in.load(Ordering::Relaxed)
        )
    }
}
