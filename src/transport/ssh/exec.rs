//! Running one command over an SSH channel and collecting its output.

use std::time::{Duration, Instant};

use russh::client::{Handle, Msg};
use russh::{Channel, ChannelMsg, ChannelOpenFailure};

use super::handler::ClientHandler;
use crate::model::{HostError, HostErrorKind};
use crate::transport::ExecOutput;

/// Output beyond this is cut: a runaway remote command must not eat fleet's memory.
const MAX_OUTPUT: usize = 16 * 1024 * 1024;

pub async fn run(handle: &Handle<ClientHandler>, command: &str) -> Result<ExecOutput, HostError> {
    run_with_input(handle, command, &[]).await
}

/// How long a session channel the server turned away (it has as many as it allows open) is
/// asked for again before that is the error.
const BUSY_FOR: Duration = Duration::from_secs(15);

/// A session channel. OpenSSH allows `MaxSessions` (10 by default) on one connection and
/// turns the next away with "connect failed"; refreshes, add-ons, certificates, log follows
/// and a shell all share the connection, so that is a busy moment, not a broken host: wait
/// for one to close and ask again, for a while.
pub async fn open_session(handle: &Handle<ClientHandler>) -> Result<Channel<Msg>, HostError> {
    let deadline = Instant::now() + BUSY_FOR;
    let mut pause = Duration::from_millis(50);
    loop {
        match handle.channel_open_session().await {
            Ok(c) => return Ok(c),
            Err(russh::Error::ChannelOpenFailure(
                ChannelOpenFailure::ConnectFailed | ChannelOpenFailure::AdministrativelyProhibited | ChannelOpenFailure::ResourceShortage,
            )) if !handle.is_closed() && Instant::now() < deadline => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(500));
            }
            Err(e) => {
                return Err(HostError::new(HostErrorKind::Unreachable, format!("cannot open an ssh channel: {e}")));
            }
        }
    }
}

/// Runs a command, writes `input` to its stdin, closes stdin, and collects the output.
pub async fn run_with_input(handle: &Handle<ClientHandler>, command: &str, input: &[u8]) -> Result<ExecOutput, HostError> {
    let mut channel = open_session(handle).await?;
    channel
        .exec(true, command.as_bytes())
        .await
        .map_err(|e| HostError::new(HostErrorKind::Command, format!("cannot start the command: {e}")))?;
    if !input.is_empty() {
        channel
            .data(input)
            .await
            .map_err(|e| HostError::new(HostErrorKind::Unreachable, format!("the connection dropped while sending: {e}")))?;
    }
    let _ = channel.eof().await;
    let mut out = ExecOutput::default();
    while let Some(msg) = channel.wait().await {
        match msg {
            ChannelMsg::Data { data } => append(&mut out.stdout, &data),
            ChannelMsg::ExtendedData { data, .. } => append(&mut out.stderr, &data),
            ChannelMsg::ExitStatus { exit_status } => out.status = Some(exit_status),
            ChannelMsg::Close => break,
            _ => {}
        }
    }
    Ok(out)
}

fn append(buf: &mut Vec<u8>, data: &[u8]) {
    let room = MAX_OUTPUT.saturating_sub(buf.len());
    buf.extend_from_slice(&data[..data.len().min(room)]);
}
