//! Running one command over an SSH channel and collecting its output.

use russh::ChannelMsg;
use russh::client::Handle;

use super::handler::ClientHandler;
use crate::model::{HostError, HostErrorKind};
use crate::transport::ExecOutput;

/// Output beyond this is cut: a runaway remote command must not eat fleet's memory.
const MAX_OUTPUT: usize = 16 * 1024 * 1024;

pub async fn run(handle: &Handle<ClientHandler>, command: &str) -> Result<ExecOutput, HostError> {
    run_with_input(handle, command, &[]).await
}

/// Runs a command, writes `input` to its stdin, closes stdin, and collects the output.
pub async fn run_with_input(handle: &Handle<ClientHandler>, command: &str, input: &[u8]) -> Result<ExecOutput, HostError> {
    let mut channel = handle
        .channel_open_session()
        .await
        .map_err(|e| HostError::new(HostErrorKind::Unreachable, format!("cannot open an ssh channel: {e}")))?;
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
