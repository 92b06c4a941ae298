//! Running one `dokku` command, the two ways a host lets fleet: through the login's shell
//! (root, or `sudo -n dokku`), each argument quoted; or as Dokku's own `dokku` user, whose
//! forced command hands what fleet sends to `dokku` split on whitespace with no quoting at all
//! (`$0 $SSH_ORIGINAL_COMMAND` under `set -f` in Dokku's main script; `config*` commands go
//! through xargs), so there every argument must be one plain word, or it is refused here.

use std::time::Duration;

use crate::platform::machine::{self, commands::privileged};
use crate::transport::Transport;
use crate::transport::quote::quote;

/// How a host's `dokku` is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A shell login; `as_root` false: through `sudo -n`.
    Shell { as_root: bool },
    /// The `dokku` user's forced command: bare words, no shell.
    Forced,
}

/// How long a `ps:restart` may take: Dokku deploys each process type with its zero-downtime
/// checks (10 s a dyno by default), one after another.
pub const DEPLOY_LIMIT: Duration = Duration::from_secs(600);

/// A rebuild runs the app's build (buildpacks, a Dockerfile) before its deploy.
pub const BUILD_LIMIT: Duration = Duration::from_secs(1800);

/// An argument the forced command passes through unchanged: no whitespace (it splits there),
/// no quotes or backslashes (xargs would read them for `config*` commands), no glob or shell
/// characters. Base64, app names, variable names, dyno names and flags all are.
pub fn plain_word(arg: &str) -> bool {
    !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_alphanumeric() || b"._:=+/@%,-".contains(&b))
}

/// The command line fleet sends for `args`.
pub fn line(via: Via, args: &[&str]) -> Result<String, String> {
    match via {
        Via::Shell { as_root } => {
            Ok(format!("{}dokku {}", privileged(as_root), args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")))
        }
        Via::Forced => match args.iter().find(|a| !plain_word(a)) {
            Some(bad) => Err(format!(
                "{:?} cannot be sent as the dokku user: its forced command splits on spaces and takes no quotes; connect as root for this",
                bad.escape_debug().to_string()
            )),
            None => Ok(args.join(" ")),
        },
    }
}

/// How a command line is shown (audit log, plans) before its arguments: the host is the
/// audit entry's own field.
pub fn lead(via: Via) -> &'static str {
    match via {
        Via::Shell { as_root: true } => "dokku",
        Via::Shell { as_root: false } => "sudo -n dokku",
        Via::Forced => "ssh dokku@HOST",
    }
}

/// How long `args` may take.
pub fn limit(args: &[&str]) -> Duration {
    match args.first() {
        Some(&"ps:restart") => DEPLOY_LIMIT,
        Some(&"ps:rebuild") => BUILD_LIMIT,
        _ => crate::transport::COMMAND_TIMEOUT,
    }
}

/// `dokku ARGS`, its stdout, or Dokku's own words on failure (` !     ` lines on stderr, or on
/// stdout with some commands), prefixed with the host.
pub async fn dokku(transport: &Transport, via: Via, args: &[&str]) -> Result<String, String> {
    let host = transport.id();
    let cmd = line(via, args).map_err(|e| format!("{host}: {e}"))?;
    let out = transport.exec_within(&cmd, limit(args)).await.map_err(|e| {
        let m = e.message;
        if m.starts_with(&format!("{host}: ")) { m } else { format!("{host}: {m}") }
    })?;
    if out.status != Some(0) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let said = if stderr.trim().is_empty() { String::from_utf8_lossy(&out.stdout).into_owned() } else { stderr.into_owned() };
        return Err(machine::command_error(host, &said.replace(" !     ", ""), out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forced_lines_are_plain_words_or_refused() {
        assert_eq!(
            line(Via::Forced, &["config:set", "--no-restart", "--encoded", "blog", "K=YSBi"]).unwrap(),
            "config:set --no-restart --encoded blog K=YSBi"
        );
        assert_eq!(line(Via::Shell { as_root: true }, &["ps:restart", "blog", "web"]).unwrap(), "dokku ps:restart blog web");
        assert_eq!(line(Via::Shell { as_root: false }, &["enter", "a b"]).unwrap(), "sudo -n dokku enter 'a b'");
        for bad in ["a b", "x'y", "$(id)", "a;b", "*", "", "a\nb", "é"] {
            assert!(line(Via::Forced, &["run", "blog", bad]).is_err(), "{bad:?}");
        }
    }
}
