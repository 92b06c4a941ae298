//! Shell completions and man pages, generated from the same clap definitions as `--help`, so
//! they never fall out of step with the commands.

use clap::CommandFactory;

use super::args::{Cli, CompletionsArgs, ManArgs};

/// `fleet completions SHELL`: the script on stdout.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<i32> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "fleet", &mut out);
    super::output::print(&String::from_utf8_lossy(&out))?;
    Ok(0)
}

/// `fleet man`: fleet.1 on stdout; with `--dir`, every page written there.
pub fn man(args: &ManArgs) -> anyhow::Result<i32> {
    let cmd = Cli::command();
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
            eprintln!("fleet: man pages written to {} (man -l {}/fleet.1)", dir.display(), dir.display());
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            super::output::print(&String::from_utf8_lossy(&out))?;
        }
    }
    Ok(0)
}
