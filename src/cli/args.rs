//! The command line. `fleet` alone opens the TUI; subcommands are one-shot and print.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "fleet",
    version,
    propagate_version = true,
    about = "A terminal dashboard for the hosts and clusters your apps run on",
    long_about = "A terminal dashboard for the hosts and clusters your apps run on.\n\n\
        With no command, opens the TUI. Hosts are the concrete Host aliases of ~/.ssh/config plus \
        this machine, unless fleet.toml says otherwise. Apps are found by naming convention: \
        systemd units {app}-{process}.service installed under /etc/systemd/system, docker-compose \
        projects (the project is the app, each service a process) and containers labelled fleet.app, \
        supervisord programs (a [group:x] is app x, else {app}-{process} names), Dokku's apps \
        (dokku apps:list, their dynos by Dokku's labels; a host logged into as the dokku user, \
        User dokku, is read through Dokku's forced command alone), Kubernetes workloads by \
        app.kubernetes.io/name.",
    after_help = "Exit status: 0 every host answered, 1 some host failed (the rest is printed), 2 usage or config error."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// The fleet config file [default: $XDG_CONFIG_HOME/fleet/fleet.toml]
    #[arg(long, global = true, help_heading = "Global options", env = "FLEET_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The ssh client config to read hosts and settings from, like `ssh -F` [default: ~/.ssh/config]
    #[arg(long, global = true, help_heading = "Global options", value_name = "PATH")]
    pub ssh_config: Option<PathBuf>,
    /// A built-in example fleet (four droplets, one down, and a cluster) that lives in memory:
    /// actions and env edits change it, nothing leaves this machine
    #[arg(long, global = true, help_heading = "Global options")]
    pub demo: bool,
    /// Accept and record host keys not yet in known_hosts (like StrictHostKeyChecking=accept-new).
    /// A changed key is always refused.
    #[arg(long, global = true, help_heading = "Global options")]
    pub accept_new_host_keys: bool,
    /// Refuse every action that changes a host: restart, rollout, shell, run (also `readonly = true`)
    #[arg(long, global = true, help_heading = "Global options")]
    pub readonly: bool,
    /// Leave out the local machine
    #[arg(long, global = true, help_heading = "Global options")]
    pub no_local: bool,
    /// Leave out the Kubernetes clusters of the kubeconfig ($KUBECONFIG or ~/.kube/config)
    #[arg(long = "no-clusters", global = true, help_heading = "Global options")]
    pub no_kube: bool,
    /// Benchmarks only: draw the first TUI frame, then exit (measures start-up).
    #[arg(long, global = true, help_heading = "Global options", hide = true)]
    pub exit_after_first_frame: bool,
    /// Theme: dark, light or a path to a theme file (TUI only)
    #[arg(long, global = true, help_heading = "Global options", value_name = "NAME|PATH")]
    pub theme: Option<String>,
}

impl GlobalArgs {
    /// What loading the context needs of these flags.
    pub fn load_options(&self) -> crate::context::LoadOptions {
        crate::context::LoadOptions {
            config: self.config.clone(),
            ssh_config: self.ssh_config.clone(),
            theme: self.theme.clone(),
            demo: self.demo,
            readonly: self.readonly,
            no_local: self.no_local,
            no_kube: self.no_kube,
            accept_new_host_keys: self.accept_new_host_keys,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every host: reachability, OS, systemd version, uptime, error
    Hosts(HostsArgs),
    /// Every app: its processes, hosts and health
    Apps(AppsArgs),
    /// An app's logs, merged across its processes and hosts (`fleet logs shop -f`)
    Logs(LogsArgs),
    /// Restart an app's processes on all its hosts at once (also `ps:restart`)
    #[command(alias = "ps:restart")]
    Restart(RestartArgs),
    /// Restart an app one host at a time, each only after the previous one is healthy (on a
    /// cluster: `rollout restart`, then until every replica runs the new template)
    Rollout(RestartArgs),
    /// Roll an app's Kubernetes deployments back to their previous revision (`rollout undo`)
    Rollback(RestartArgs),
    /// Build a Dokku app again from its source and deploy it (`dokku ps:rebuild`), behind its own confirmation
    Rebuild(RestartArgs),
    /// An interactive shell as the app runs: on its host as its user, in its directory, with its env (systemd, supervisord); in a running container (Docker) or dyno (Dokku); in a pod (Kubernetes)
    Shell(ShellArgs),
    /// Run one command like `fleet shell` would, passing output and exit status through
    Run(RunArgs),
    /// Forward a local port to a port on the app's (or add-on's) host, until Ctrl-C
    Forward(ForwardArgs),
    /// Show the audit log of actions taken
    Audit(AuditArgs),
    /// An app's env vars as its platform gives them (systemd, compose, supervisord, Dokku, Kubernetes), secrets masked (Heroku's `config`)
    Config(ConfigArgs),
    /// The services beside the apps (Redis, PostgreSQL, nginx, …) and which app uses which
    Addons(AddonsArgs),
    /// What happened to an app, newest first: fleet's own actions (the audit log) and each
    /// platform's record (systemd's unit messages, Kubernetes rollouts and pod events)
    Activity(ActivityArgs),
    /// Host metrics (node_exporter, /proc without it, or the [prometheus] server), or an app's
    /// per-unit accounting and its own metrics endpoint
    Metrics(MetricsArgs),
    /// Certificate expiry: what the front doors serve, the files on disk, cluster PKI, kubeconfig credentials.
    /// Exits 1 when any is inside --warn or expired (for cron and CI)
    Certs(CertsArgs),
    /// Set env vars in the app's env file on every host, then restart what uses it
    #[command(name = "config:set")]
    ConfigSet(ConfigSetArgs),
    /// Remove env vars from the app's env file on every host, then restart what uses it
    #[command(name = "config:unset")]
    ConfigUnset(ConfigUnsetArgs),
    /// Everything wrong in the fleet, worst first: hosts down, failed or looping processes,
    /// jobs failing or overdue, certificates, disks, memory, env drift, add-on pointers. Silent
    /// and exit 0 when all is well (for cron); exit 1 when a problem is at --fail-on or worse
    Check(CheckArgs),
    /// Print a shell completion script (`fleet completions bash > /etc/bash_completion.d/fleet`)
    Completions(CompletionsArgs),
    /// Print the man page (`fleet man | man -l -`), or write one page per command into --dir
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print JSON (a list of problems) instead of text
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when a problem is this bad or worse: warn or critical
    #[arg(long, value_name = "SEVERITY", default_value = "warn")]
    pub fail_on: String,
    /// Only these areas, comma-separated: hosts, processes, jobs, certs, disks, memory, cpu, env, addons
    #[arg(long, value_name = "AREAS", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Only these hosts (repeat for several; default: every host)
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
    /// Only problems of these apps (repeat for several)
    #[arg(long, value_name = "APP")]
    pub app: Vec<String>,
    /// Leave out the kubeconfig contexts' credentials
    #[arg(long)]
    pub no_kube: bool,
    /// POST the problems that are new since the last run to this webhook (Slack- and
    /// Discord-compatible JSON); a repeated run sends nothing new
    #[arg(long, value_name = "URL")]
    pub notify: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write fleet.1 and a fleet-COMMAND.1 per command into this directory instead
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// A host or an app (default: every host)
    pub target: Option<String>,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Scrape each host's node_exporter even when fleet.toml names a [prometheus] server
    #[arg(long)]
    pub direct: bool,
}

#[derive(Debug, Args)]
pub struct CertsArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Warn (and exit 1) when a certificate expires within this long [default: fleet.toml
    /// [certs] warn, else 21d]
    #[arg(long, value_name = "DURATION")]
    pub warn: Option<String>,
    /// Red within this long [default: fleet.toml [certs] critical, else 7d]
    #[arg(long, value_name = "DURATION")]
    pub critical: Option<String>,
    /// Leave out the kubeconfig contexts' credentials ($KUBECONFIG or ~/.kube/config)
    #[arg(long)]
    pub no_kube: bool,
    /// Only these hosts (repeat for several; default: every host)
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ActivityArgs {
    pub app: String,
    /// Only since: a duration back from now (1h, 30m, 2d) or a time (2026-11-22T10:00)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// At most this many entries
    #[arg(short = 'n', long = "lines", value_name = "N", default_value_t = 50)]
    pub lines: usize,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Only these hosts (repeat for several; default: every host)
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
}

#[derive(Debug, Args)]
pub struct AddonsArgs {
    /// Only the add-ons this app uses (and its front-door routes)
    pub app: Option<String>,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Only these hosts (repeat for several; default: every host)
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ConfigSetArgs {
    pub app: String,
    /// KEY=VALUE pairs
    #[arg(required = true, value_name = "KEY=VALUE")]
    pub pairs: Vec<String>,
    /// Only these hosts (repeat for several; default: every host)
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
    /// Change the file but do not restart the app
    #[arg(long)]
    pub no_restart: bool,
    /// Show values in the printed diff unmasked
    #[arg(long)]
    pub reveal: bool,
}

#[derive(Debug, Args)]
pub struct ConfigUnsetArgs {
    pub app: String,
    /// The variables to remove
    #[arg(required = true, value_name = "KEY")]
    pub keys: Vec<String>,
    /// Only these hosts (repeat for several; default: every host)
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
    /// Change the file only: the app keeps the old values until it restarts
    #[arg(long)]
    pub no_restart: bool,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    pub app: String,
    /// Show secret values unmasked
    #[arg(long)]
    pub reveal: bool,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Only this host (repeatable)
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// The app
    pub app: String,
    /// Only these processes (repeatable)
    #[arg(short = 'p', long = "process", visible_alias = "dyno", value_name = "NAME")]
    pub process: Vec<String>,
    /// Only this host (repeatable)
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
    /// Do not ask; required when not interactive
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Print JSON results
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShellArgs {
    pub app: String,
    /// The host (default: the first host of the app)
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Use this process's unit settings (default: the first)
    #[arg(short = 'p', long = "process", value_name = "NAME")]
    pub process: Option<String>,
    #[command(flatten)]
    pub pod: PodArgs,
    /// Kubernetes: this shell (default: bash if the container has it, else sh)
    #[arg(long, value_name = "PATH")]
    pub shell: Option<String>,
}

/// Which pod and container on a cluster (shell and run).
#[derive(Debug, Args)]
pub struct PodArgs {
    /// Kubernetes: this pod of the app; Docker: this container (default: a running pod of its first workload, a running container of the process)
    #[arg(long, value_name = "POD")]
    pub pod: Option<String>,
    /// Kubernetes: this container of the pod (default: the first)
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    pub app: String,
    /// The host to use when the app runs on several (default: the first that answers)
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// The process type (web, worker…) to use (default: the first)
    #[arg(short = 'p', long = "process", value_name = "NAME")]
    pub process: Option<String>,
    #[command(flatten)]
    pub pod: PodArgs,
    /// The command and its arguments (after --)
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ForwardArgs {
    /// An app, or an add-on name (redis, postgres, …) with --host
    pub target: String,
    /// `REMOTE` or `LOCAL:REMOTE` port
    pub ports: String,
    /// The host to use when the app runs on several (default: the first that answers)
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Local address to listen on [default: fleet.toml forward_bind, else 127.0.0.1]
    #[arg(long)]
    pub bind: Option<std::net::IpAddr>,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// How many entries
    #[arg(short = 'n', default_value_t = 50)]
    pub lines: usize,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The app
    pub app: String,
    /// Keep following new lines (also -t, --follow); survives dropped connections
    #[arg(short = 'f', long = "tail", visible_alias = "follow", short_alias = 't')]
    pub follow: bool,
    /// How many lines of history, counted after --process/--host/--grep [default: 100]. supervisord
    /// logs carry no times, so for them N counts per program log file
    #[arg(short = 'n', long = "num", visible_alias = "lines", value_name = "N")]
    pub lines: Option<usize>,
    /// Only lines since: a duration back from now (1h, 30m) or a time (2026-11-22T10:00)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only lines until: a duration back from now or a time (not with --tail)
    #[arg(long, value_name = "WHEN", conflicts_with = "follow")]
    pub until: Option<String>,
    /// Only these processes (web, worker, …; repeatable; also --dyno)
    #[arg(short = 'p', long = "process", visible_alias = "dyno", value_name = "NAME")]
    pub process: Vec<String>,
    /// Only this host (repeatable)
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
    /// Only lines matching this regex
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,
    /// Leave out lines matching this regex
    #[arg(long = "grep-v", value_name = "REGEX")]
    pub grep_v: Option<String>,
    /// One JSON object per line (raw text, nothing stripped; JSON escapes control characters)
    #[arg(long)]
    pub json: bool,
    /// No colours at all
    #[arg(long)]
    pub no_color: bool,
    /// Colours: auto (prefixes when stdout is a terminal), always (also the app's own SGR
    /// colours, sanitised), never
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorMode {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct HostsArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AppsArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Only this host (repeatable)
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
}
