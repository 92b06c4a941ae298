//! What fleet needs of supervisord's configuration: where its socket is, its own
//! `environment=`, and each program's group, instances (`numprocs`, `process_name`), user,
//! directory, `startsecs`, exit codes and `environment=` with the file and lines it is on. Read
//! from supervisord.conf and its `[include] files=`, with supervisord's own expansions.

use super::ini::{self, Entry, Section};
use super::syntax::{self, Expansion, Expansions};

/// How to reach supervisord's XML-RPC interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(String),
    Tcp(String, u16),
}

impl Endpoint {
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Unix(p) => p.clone(),
            Endpoint::Tcp(h, p) => format!("{h}:{p}"),
        }
    }

    /// SUPERVISOR_SERVER_URL as supervisord sets it for its programs.
    pub fn server_url(&self) -> String {
        match self {
            Endpoint::Unix(p) => format!("unix://{p}"),
            Endpoint::Tcp(h, p) => format!("http://{h}:{p}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// `[program:NAME]`.
    pub name: String,
    /// Its process group: a `[group:x]` listing it, else itself.
    pub group: String,
    pub in_group_section: bool,
    pub file: String,
    /// The section header's line.
    pub line: usize,
    pub user: Option<String>,
    pub directory: Option<String>,
    pub startsecs: u64,
    pub exitcodes: Vec<i32>,
    /// Instance names (`process_name` expanded for each `process_num`) with their env pairs.
    pub instances: Vec<Instance>,
    /// The `environment=` entry as written, when there is one.
    pub environment: Option<Entry>,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    /// `environment=` expanded for this instance and split, in order.
    pub env: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Conf {
    pub main: String,
    pub endpoint: Option<Endpoint>,
    pub credentials: Option<(String, String)>,
    /// `[supervisord] environment=`, expanded: supervisord sets it on itself at start, so every
    /// program inherits it.
    pub supervisord_env: Vec<(String, String)>,
    pub supervisord_env_at: Option<(String, usize)>,
    pub programs: Vec<Program>,
    /// Every file read (the main one first, then those `[include]` names), with its text.
    pub files: Vec<(String, String)>,
    pub problems: Vec<String>,
}

fn dir_of(path: &str) -> String {
    match path.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => path[..i].to_string(),
        None => ".".into(),
    }
}

/// The `[include] files=` patterns of the main file, each made absolute (relative ones are
/// relative to the main file's directory, as supervisord reads them).
pub fn include_patterns(main: &str, text: &str, env: &[(String, String)]) -> Vec<String> {
    let Ok(sections) = ini::parse(main, text) else { return Vec::new() };
    let Some(inc) = sections.iter().find(|s| s.name == "include") else { return Vec::new() };
    let Some(files) = inc.value("files") else { return Vec::new() };
    let here = dir_of(main);
    let ex = base_expansions(&here, env, "");
    let files = syntax::expand(files, &ex, "[include] files").unwrap_or_else(|_| files.to_string());
    files.split_whitespace().map(|p| if p.starts_with('/') { p.to_string() } else { format!("{here}/{p}") }).collect()
}

fn base_expansions(here: &str, env: &[(String, String)], hostname: &str) -> Expansions {
    let mut ex: Expansions = env.iter().map(|(k, v)| (format!("ENV_{k}"), Expansion::Text(v.clone()))).collect();
    ex.insert("here".into(), Expansion::Text(here.to_string()));
    ex.insert("host_node_name".into(), Expansion::Text(hostname.to_string()));
    ex
}

/// The whole configuration: the main file, then each included file, in the order read.
/// `environ`: supervisord's own environment (for `%(ENV_X)s`), `hostname` its host's name.
pub fn read(main: &str, main_text: &str, included: &[(String, String)], environ: &[(String, String)], hostname: &str) -> Conf {
    let mut files = vec![(main.to_string(), main_text.to_string())];
    files.extend(included.iter().cloned());
    let mut conf = Conf { main: main.to_string(), files, ..Default::default() };
    let mut sections: Vec<Section> = Vec::new();
    for (file, text) in std::iter::once((main.to_string(), main_text.to_string())).chain(included.iter().cloned()) {
        match ini::parse(&file, &text) {
            Ok(s) => sections.extend(s),
            Err(e) => conf.problems.push(e),
        }
    }
    let here_of = |s: &Section| dir_of(&s.file);
    let expand_in = |s: &Section, key: &str, ex: &Expansions, problems: &mut Vec<String>| -> Option<String> {
        let e = s.get(key)?;
        match syntax::expand(&e.value, ex, &format!("{}:{} {key}", s.file, e.first)) {
            Ok(v) => Some(v),
            Err(err) => {
                problems.push(err);
                None
            }
        }
    };
    let mut problems = Vec::new();
    // supervisord's own section first: its environment= joins what programs inherit and what
    // %(ENV_X)s sees when programs are (re)read.
    let mut environ: Vec<(String, String)> = environ.to_vec();
    if let Some(s) = sections.iter().rev().find(|s| s.name == "supervisord") {
        let ex = base_expansions(&here_of(s), &environ, hostname);
        if let Some(v) = expand_in(s, "environment", &ex, &mut problems) {
            match syntax::pairs(&v) {
                Ok(p) => {
                    for (k, v) in &p {
                        set(&mut environ, k, v);
                    }
                    conf.supervisord_env = p;
                    conf.supervisord_env_at = s.get("environment").map(|e| (s.file.clone(), e.first));
                }
                Err(e) => problems.push(format!("{}: [supervisord] environment: {e}", s.file)),
            }
        }
    }
    if let Some(s) = sections.iter().rev().find(|s| s.name == "unix_http_server") {
        let ex = base_expansions(&here_of(s), &environ, hostname);
        if let Some(f) = expand_in(s, "file", &ex, &mut problems) {
            conf.endpoint = Some(Endpoint::Unix(f));
        }
        conf.credentials = match (s.value("username"), s.value("password")) {
            (Some(u), Some(p)) => Some((u.to_string(), p.to_string())),
            _ => None,
        };
    } else if let Some(s) = sections.iter().rev().find(|s| s.name == "inet_http_server") {
        let port = s.value("port").unwrap_or("");
        let (host, p) = port.rsplit_once(':').unwrap_or(("", port));
        if let Ok(p) = p.trim().parse::<u16>() {
            let host = if host.is_empty() || host == "*" { "localhost" } else { host };
            conf.endpoint = Some(Endpoint::Tcp(host.to_string(), p));
        }
        conf.credentials = match (s.value("username"), s.value("password")) {
            (Some(u), Some(p)) => Some((u.to_string(), p.to_string())),
            _ => None,
        };
    }
    // [group:x] programs=a,b.
    let mut group_of: Vec<(String, String)> = Vec::new();
    for s in sections.iter().filter(|s| s.name.starts_with("group:")) {
        let group = s.name["group:".len()..].to_string();
        for p in s.value("programs").unwrap_or("").split(',').map(str::trim).filter(|p| !p.is_empty()) {
            group_of.push((p.to_string(), group.clone()));
        }
    }
    for s in sections.iter().filter(|s| s.name.starts_with("program:")) {
        let name = s.name["program:".len()..].to_string();
        let grouped = group_of.iter().find(|(p, _)| *p == name).map(|(_, g)| g.clone());
        let group = grouped.clone().unwrap_or_else(|| name.clone());
        let mut pproblems = Vec::new();
        let numprocs: i64 = s.value("numprocs").and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
        let start: i64 = s.value("numprocs_start").and_then(|v| v.parse().ok()).unwrap_or(0);
        let template = s.value("process_name").unwrap_or("%(program_name)s").to_string();
        let mut instances = Vec::new();
        let mut directory = None;
        for num in start..start + numprocs {
            let mut ex = base_expansions(&here_of(s), &environ, hostname);
            ex.insert("program_name".into(), Expansion::Text(name.clone()));
            ex.insert("group_name".into(), Expansion::Text(group.clone()));
            ex.insert("process_num".into(), Expansion::Number(num));
            ex.insert("numprocs".into(), Expansion::Number(numprocs));
            let iname = match syntax::expand(&template, &ex, &format!("{}:{} process_name", s.file, s.line)) {
                Ok(n) => n,
                Err(e) => {
                    pproblems.push(e);
                    continue;
                }
            };
            let env = match expand_in(s, "environment", &ex, &mut pproblems).map(|v| syntax::pairs(&v)) {
                Some(Ok(p)) => p,
                Some(Err(e)) => {
                    pproblems.push(format!("{}:{} environment: {e}", s.file, s.get("environment").map_or(s.line, |e| e.first)));
                    Vec::new()
                }
                None => Vec::new(),
            };
            for (k, v) in &env {
                ex.insert(format!("ENV_{k}"), Expansion::Text(v.clone()));
            }
            if directory.is_none() {
                directory = expand_in(s, "directory", &ex, &mut pproblems);
            }
            instances.push(Instance { name: iname, env });
        }
        conf.programs.push(Program {
            name,
            group,
            in_group_section: grouped.is_some(),
            file: s.file.clone(),
            line: s.line,
            user: s.value("user").map(str::to_string),
            directory,
            startsecs: s.value("startsecs").and_then(|v| v.parse().ok()).unwrap_or(1),
            exitcodes: s.value("exitcodes").unwrap_or("0").split(',').filter_map(|c| c.trim().parse().ok()).collect(),
            instances,
            environment: s.get("environment").cloned(),
            problems: pproblems,
        });
    }
    conf.problems.extend(problems);
    conf
}

fn set(env: &mut Vec<(String, String)>, k: &str, v: &str) {
    match env.iter_mut().find(|(ek, _)| ek == k) {
        Some(slot) => slot.1 = v.to_string(),
        None => env.push((k.to_string(), v.to_string())),
    }
}

impl Conf {
    /// The program and instance a process name (`group:name`) belongs to.
    pub fn instance(&self, namespec: &str) -> Option<(&Program, &Instance)> {
        let (group, name) = namespec.split_once(':').unwrap_or((namespec, namespec));
        self.programs.iter().filter(|p| p.group == group).find_map(|p| p.instances.iter().find(|i| i.name == name).map(|i| (p, i)))
    }

    /// The text of one of the files read.
    pub fn text_of(&self, file: &str) -> Option<&str> {
        self.files.iter().find(|(f, _)| f == file).map(|(_, t)| t.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: &str = "[unix_http_server]\nfile=/var/run/supervisor.sock\nchmod=0700\n\n[supervisord]\nlogfile=/var/log/supervisor/supervisord.log\nenvironment=REGION=\"lab\"\n\n[include]\nfiles = /etc/supervisor/conf.d/*.conf\n";
    const LEDGER: &str = "[group:ledger]\nprograms=ledger-web,ledger-worker\n\n[program:ledger-web]\ncommand=/srv/ledger/web\nprocess_name=%(program_name)s_%(process_num)02d\nnumprocs=2\nuser=ledger\ndirectory=/srv/ledger\nenvironment=PORT=\"80%(process_num)02d\",HOME_WAS=\"%(ENV_HOME)s\",NAME=\"%(program_name)s/%(group_name)s\",PCT=\"100%%\"\n\n[program:ledger-worker]\ncommand=/srv/ledger/worker\nstartsecs=3\nexitcodes=0,2\n";

    fn conf() -> Conf {
        read(
            "/etc/supervisor/supervisord.conf",
            MAIN,
            &[("/etc/supervisor/conf.d/ledger.conf".into(), LEDGER.into())],
            &[("HOME".into(), "/root".into())],
            "lab-1",
        )
    }

    #[test]
    fn groups_instances_and_expansions() {
        let c = conf();
        assert_eq!(c.endpoint, Some(Endpoint::Unix("/var/run/supervisor.sock".into())));
        assert_eq!(c.supervisord_env, vec![("REGION".into(), "lab".into())]);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        let web = &c.programs[0];
        assert_eq!((web.name.as_str(), web.group.as_str(), web.in_group_section), ("ledger-web", "ledger", true));
        assert_eq!(web.instances.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["ledger-web_00", "ledger-web_01"]);
        assert_eq!(
            web.instances[1].env,
            vec![
                ("PORT".into(), "8001".into()),
                ("HOME_WAS".into(), "/root".into()),
                ("NAME".into(), "ledger-web/ledger".into()),
                ("PCT".into(), "100%".into())
            ]
        );
        assert_eq!((web.user.as_deref(), web.directory.as_deref()), (Some("ledger"), Some("/srv/ledger")));
        let worker = &c.programs[1];
        assert_eq!((worker.startsecs, worker.exitcodes.clone()), (3, vec![0, 2]));
        assert_eq!(c.instance("ledger:ledger-web_01").map(|(p, _)| p.name.as_str()), Some("ledger-web"));
    }

    #[test]
    fn includes_are_relative_to_the_main_file() {
        let pats = include_patterns("/etc/supervisor/supervisord.conf", "[include]\nfiles = conf.d/*.conf /opt/x.ini\n", &[]);
        assert_eq!(pats, ["/etc/supervisor/conf.d/*.conf", "/opt/x.ini"]);
    }

    #[test]
    fn a_bad_environment_is_a_problem_on_its_line_not_a_panic() {
        let c = read("/etc/s.conf", "[program:x-web]\ncommand=/bin/true\nenvironment=A=va$l\n", &[], &[], "h");
        assert_eq!(c.programs[0].instances[0].env, Vec::<(String, String)>::new());
        assert!(c.programs[0].problems[0].starts_with("/etc/s.conf:3 environment"), "{:?}", c.programs[0].problems);
    }
}
