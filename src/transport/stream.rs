//! A command whose output is read line by line as it comes (journalctl -f and friends), over an
//! SSH channel or a local child process. Dropping the stream stops the remote command.

use russh::{ChannelMsg, Sig};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::model::{HostError, HostErrorKind};

/// Lines longer than this are cut: one runaway line must not eat memory.
const MAX_LINE: usize = 1 << 20;
const MAX_STDERR: usize = 64 * 1024;

pub struct ExecStream {
    inner: Inner,
    stderr: Vec<u8>,
    status: Option<u32>,
}

// One stream per follow, so the size difference between variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
enum Inner {
    Ssh { channel: Option<russh::Channel<russh::client::Msg>>, buf: Vec<u8>, done: bool },
    Local { child: tokio::process::Child, out: BufReader<tokio::process::ChildStdout> },
}

impl ExecStream {
    pub fn ssh(channel: russh::Channel<russh::client::Msg>) -> Self {
        ExecStream { inner: Inner::Ssh { channel: Some(channel), buf: Vec::new(), done: false }, stderr: Vec::new(), status: None }
    }

    pub fn local(mut child: tokio::process::Child) -> Result<Self, HostError> {
        let out = child.stdout.take().ok_or_else(|| HostError::new(HostErrorKind::Command, "the child process has no stdout"))?;
        Ok(ExecStream { inner: Inner::Local { child, out: BufReader::new(out) }, stderr: Vec::new(), status: None })
    }

    /// The next line without its newline, or None when the command has ended (or the
    /// connection dropped: `status()` is then None).
    pub async fn next_line(&mut self) -> Option<Vec<u8>> {
        match &mut self.inner {
            Inner::Local { child, out } => {
                let mut line = Vec::new();
                match out.read_until(b'\n', &mut line).await {
                    Ok(0) | Err(_) => {
                        self.status = child.wait().await.ok().and_then(|s| s.code()).map(|c| c as u32);
                        if let Some(mut e) = child.stderr.take() {
                            let _ = tokio::io::AsyncReadExt::read_to_end(&mut e, &mut self.stderr).await;
                        }
                        None
                    }
                    Ok(_) => {
                        if line.ends_with(b"\n") {
                            line.pop();
                        }
                        line.truncate(MAX_LINE);
                        Some(line)
                    }
                }
            }
            Inner::Ssh { channel, buf, done } => loop {
                if let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                    let mut line: Vec<u8> = buf.drain(..=pos).collect();
                    line.pop();
                    line.truncate(MAX_LINE);
                    return Some(line);
                }
                if *done {
                    if buf.is_empty() {
                        return None;
                    }
                    return Some(std::mem::take(buf));
                }
                let ch = channel.as_mut()?;
                match ch.wait().await {
                    Some(ChannelMsg::Data { data }) => {
                        buf.extend_from_slice(&data);
                        if buf.len() > MAX_LINE * 2 {
                            // No newline in sight: hand out what we have as one (cut) line.
                            let line: Vec<u8> = buf.drain(..MAX_LINE).collect();
                            return Some(line);
                        }
                    }
                    Some(ChannelMsg::ExtendedData { data, .. }) => {
                        let room = MAX_STDERR.saturating_sub(self.stderr.len());
                        self.stderr.extend_from_slice(&data[..data.len().min(room)]);
                    }
                    Some(ChannelMsg::ExitStatus { exit_status }) => self.status = Some(exit_status),
                    Some(ChannelMsg::Eof) | Some(ChannelMsg::Close) | None => *done = true,
                    Some(_) => {}
                }
            },
        }
    }

    /// The exit status, once ended; None when the connection dropped before the command ended.
    pub fn status(&self) -> Option<u32> {
        self.status
    }

    /// The last line the command wrote to stderr, for error messages.
    pub fn stderr_tail(&self) -> String {
        String::from_utf8_lossy(&self.stderr).lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string()
    }
}

impl Drop for ExecStream {
    fn drop(&mut self) {
        if let Inner::Ssh { channel, .. } = &mut self.inner
            && let Some(ch) = channel.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            // Stop the remote command now rather than at its next write (a quiet journalctl -f
            // would otherwise linger until the app logs again).
            rt.spawn(async move {
                let _ = ch.signal(Sig::TERM).await;
                let _ = ch.close().await;
            });
        }
    }
}
