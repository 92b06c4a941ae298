//! A command wired to this terminal: its output ours as it comes (`fleet run`), or a remote
//! PTY that takes our keys raw and follows our window size (`fleet shell`).

use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};

use russh::ChannelMsg;
use tokio::io::unix::AsyncFd;

use super::SshTransport;

/// Runs `cmd` over ssh with its stdout and stderr passed through; returns its exit status.
pub(super) async fn ssh_attached(ssh: &SshTransport, cmd: &str) -> Result<i32, String> {
    let mut ch = ssh.session_channel().await.map_err(|e| e.message)?;
    ch.exec(true, cmd.as_bytes()).await.map_err(|e| e.to_string())?;
    let _ = ch.eof().await;
    let mut code = None;
    while let Some(msg) = ch.wait().await {
        match msg {
            ChannelMsg::Data { data } => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(&data).and_then(|_| out.flush());
            }
            ChannelMsg::ExtendedData { data, .. } => {
                let _ = std::io::stderr().write_all(&data);
            }
            ChannelMsg::ExitStatus { exit_status } => code = Some(exit_status as i32),
            ChannelMsg::Close => break,
            _ => {}
        }
    }
    code.ok_or_else(|| format!("{}: the connection dropped before the command finished", ssh.id()))
}

pub(super) async fn local_status(cmd: &str) -> Result<i32, String> {
    let status = tokio::process::Command::new("sh").arg("-c").arg(cmd).status().await.map_err(|e| e.to_string())?;
    Ok(status.code().unwrap_or(1))
}

/// Stdin, non-blocking, read through the reactor: no blocking reader thread is left behind to
/// steal keys from the TUI after the shell ends. Restores the flags on drop.
pub struct RawStdin {
    fd: AsyncFd<RawFd>,
    flags: libc::c_int,
}

impl RawStdin {
    pub fn new() -> std::io::Result<Self> {
        let fd = std::io::stdin().as_raw_fd();
        // SAFETY: fcntl on our own stdin descriptor, which stays open for the whole process.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if flags < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: as above; only adds O_NONBLOCK, restored in Drop.
        if unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fd 0 is open for the life of the process and this AsyncFd never outlives the
        // shell session that owns it.
        let registered = unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) };
        Ok(RawStdin { fd: registered.map_err(std::io::Error::from)?, flags })
    }

    pub async fn read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let mut guard = self.fd.readable().await?;
            let r = guard.try_io(|fd| {
                // SAFETY: reading into a buffer we own, of its length, from a valid descriptor.
                let n = unsafe { libc::read(*fd.get_ref(), buf.as_mut_ptr().cast(), buf.len()) };
                if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
            });
            match r {
                Ok(result) => return result,
                Err(_would_block) => continue,
            }
        }
    }
}

impl Drop for RawStdin {
    fn drop(&mut self) {
        // SAFETY: restoring the flags read in new().
        unsafe { libc::fcntl(*self.fd.get_ref(), libc::F_SETFL, self.flags) };
    }
}

pub(super) async fn ssh_pty(ssh: &SshTransport, cmd: &str) -> Result<i32, String> {
    let (cols, rows) = crossterm::terminal::size().unwrap_or((80, 24));
    let term = std::env::var("TERM").unwrap_or_else(|_| "xterm-256color".into());
    let mut ch = ssh.session_channel().await.map_err(|e| e.message)?;
    ch.request_pty(true, &term, u32::from(cols), u32::from(rows), 0, 0, &[]).await.map_err(|e| e.to_string())?;
    ch.exec(true, cmd.as_bytes()).await.map_err(|e| e.to_string())?;
    let stdin = RawStdin::new().map_err(|e| format!("cannot read the terminal: {e}"))?;
    let mut winch = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change()).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 4096];
    let mut code = None;
    let mut stdin_open = true;
    loop {
        tokio::select! {
            n = stdin.read(&mut buf), if stdin_open => match n {
                Ok(0) => {
                    stdin_open = false;
                    let _ = ch.eof().await;
                }
                Ok(n) => {
                    // Ctrl-C and Ctrl-D are bytes like any other here: they reach the remote side.
                    if ch.data(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                Err(_) => stdin_open = false,
            },
            _ = winch.recv() => {
                if let Ok((c, r)) = crossterm::terminal::size() {
                    let _ = ch.window_change(u32::from(c), u32::from(r), 0, 0).await;
                }
            }
            msg = ch.wait() => match msg {
                Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. }) => {
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(&data).and_then(|_| out.flush());
                }
                Some(ChannelMsg::ExitStatus { exit_status }) => code = Some(exit_status as i32),
                Some(ChannelMsg::Close) | None => break,
                _ => {}
            },
        }
    }
    code.ok_or_else(|| "the connection dropped during the shell".to_string())
}
