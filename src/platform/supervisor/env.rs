//! The env supervisord hands a program, built as supervisord builds it (process.py): its own
//! environment (read from /proc), its `[supervisord] environment=`, SUPERVISOR_ENABLED,
//! SUPERVISOR_SERVER_URL, SUPERVISOR_PROCESS_NAME and SUPERVISOR_GROUP_NAME, then the program's
//! `environment=` (expanded per instance). And the other way: a change rewrites the programs'
//! `environment=` entries in place, every other key kept exactly as written.

use super::conf::{Conf, Program};
use super::ini;
use super::syntax;
use crate::model::env::{Change, EnvSource};

/// One variable, its value and where it comes from.
pub type Var = (String, String, EnvSource);

fn put(vars: &mut Vec<Var>, k: &str, v: &str, src: EnvSource) {
    match vars.iter_mut().find(|(ek, _, _)| ek == k) {
        Some(slot) => {
            slot.1 = v.to_string();
            slot.2 = src;
        }
        None => vars.push((k.to_string(), v.to_string(), src)),
    }
}

/// The env of instance `namespec`, given supervisord's own environment (`environ`, None when
/// it could not be read) and pid.
pub fn of_instance(conf: &Conf, namespec: &str, environ: Option<&[(String, String)]>, pid: Option<u32>) -> Result<Vec<Var>, String> {
    let (program, inst) = conf
        .instance(namespec)
        .ok_or_else(|| format!("{namespec} is not in supervisord's configuration files (changed since? refresh)"))?;
    let mut vars = Vec::new();
    let from = format!("supervisord (pid {})", pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()));
    for (k, v) in environ.unwrap_or_default() {
        put(&mut vars, k, v, EnvSource::Inherited { from: from.clone() });
    }
    if let Some((file, line)) = &conf.supervisord_env_at {
        for (k, v) in &conf.supervisord_env {
            put(&mut vars, k, v, EnvSource::SupervisorConf { file: file.clone(), line: *line, section: "supervisord".into() });
        }
    }
    let by = EnvSource::SetBy { by: "supervisord".into() };
    put(&mut vars, "SUPERVISOR_ENABLED", "1", by.clone());
    if let Some(e) = &conf.endpoint {
        put(&mut vars, "SUPERVISOR_SERVER_URL", &e.server_url(), by.clone());
    }
    put(&mut vars, "SUPERVISOR_PROCESS_NAME", &inst.name, by.clone());
    put(&mut vars, "SUPERVISOR_GROUP_NAME", &program.group, by);
    if let Some(entry) = &program.environment {
        let src = EnvSource::SupervisorConf { file: program.file.clone(), line: entry.first, section: format!("program:{}", program.name) };
        for (k, v) in &inst.env {
            put(&mut vars, k, v, src.clone());
        }
    }
    Ok(vars)
}

/// NUL-separated `/proc/PID/environ` as pairs.
pub fn parse_environ(bytes: &[u8]) -> Vec<(String, String)> {
    bytes
        .split(|b| *b == 0)
        .filter_map(|kv| {
            let kv = String::from_utf8_lossy(kv);
            let (k, v) = kv.split_once('=')?;
            (!k.is_empty()).then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// `text` (the file `program` is in) with `change` made to the program's `environment=`: the
/// entry's lines replaced by one line, each untouched key as it was written (its `%(…)s`
/// included), new values quoted so supervisord reads them back exactly. A program with no
/// `environment=` gets one after its section's last line.
pub fn rewrite(text: &str, program: &Program, change: &Change) -> Result<String, String> {
    let sections = ini::parse(&program.file, text)?;
    let section = sections
        .iter()
        .find(|s| s.name == format!("program:{}", program.name))
        .ok_or_else(|| format!("{}: [program:{}] is not there any more (refresh)", program.file, program.name))?;
    let entry = section.get("environment");
    let mut pairs = match entry {
        Some(e) => syntax::raw_pairs(&e.value).map_err(|err| format!("{}:{}: {err}", program.file, e.first))?,
        None => Vec::new(),
    };
    match change {
        Change::Set(kv) => {
            for (k, v) in kv {
                let q = syntax::quote_value(v).map_err(|e| format!("{k}: {e}"))?;
                match pairs.iter_mut().find(|(pk, _)| pk == k) {
                    Some(slot) => slot.1 = q,
                    None => pairs.push((k.clone(), q)),
                }
            }
        }
        Change::Unset(keys) => pairs.retain(|(k, _)| !keys.contains(k)),
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let new_line = if pairs.is_empty() {
        None
    } else {
        Some(format!("environment={}\n", pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")))
    };
    let (from, to) = match entry {
        Some(e) => (e.first - 1, e.last),
        None => (section.last_line, section.last_line),
    };
    let mut out = String::with_capacity(text.len() + 64);
    for l in &lines[..from.min(lines.len())] {
        out.push_str(l);
    }
    if entry.is_none() && !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if let Some(l) = &new_line {
        out.push_str(l);
    }
    for l in &lines[to.min(lines.len())..] {
        out.push_str(l);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::supervisor::conf;

    const FILE: &str = "/etc/supervisor/conf.d/pay.conf";
    const TEXT: &str = "[group:pay]\nprograms=pay-web\n\n[program:pay-web]\ncommand=/srv/pay/web\nenvironment=PORT=\"90%(process_num)02d\",\n  HOME_WAS=\"%(ENV_HOME)s\"\nuser=pay\n";

    fn program(text: &str) -> Program {
        conf::read("/etc/supervisor/supervisord.conf", "", &[(FILE.into(), text.into())], &[("HOME".into(), "/root".into())], "h")
            .programs
            .remove(0)
    }

    #[test]
    fn a_set_keeps_the_other_keys_as_written() {
        let p = program(TEXT);
        let out = rewrite(TEXT, &p, &Change::Set(vec![("API_KEY".into(), "p@ss 50%".into())])).unwrap();
        assert_eq!(
            out,
            "[group:pay]\nprograms=pay-web\n\n[program:pay-web]\ncommand=/srv/pay/web\nenvironment=PORT=\"90%(process_num)02d\",HOME_WAS=\"%(ENV_HOME)s\",API_KEY=\"p@ss 50%%\"\nuser=pay\n"
        );
        let back = program(&out);
        assert_eq!(back.instances[0].env.last(), Some(&("API_KEY".to_string(), "p@ss 50%".to_string())));
        let out = rewrite(&out, &back, &Change::Unset(vec!["PORT".into(), "HOME_WAS".into(), "API_KEY".into()])).unwrap();
        assert_eq!(out, "[group:pay]\nprograms=pay-web\n\n[program:pay-web]\ncommand=/srv/pay/web\nuser=pay\n");
    }

    #[test]
    fn a_program_without_environment_gets_one() {
        let text = "[program:pay-web]\ncommand=/srv/pay/web\n\n[program:other]\ncommand=x\n";
        let p = program(text);
        let out = rewrite(text, &p, &Change::Set(vec![("A".into(), "1".into())])).unwrap();
        assert_eq!(out, "[program:pay-web]\ncommand=/srv/pay/web\nenvironment=A=\"1\"\n\n[program:other]\ncommand=x\n");
    }

    #[test]
    fn environ_pairs() {
        assert_eq!(parse_environ(b"A=1\0B=x=y\0\0"), vec![("A".into(), "1".into()), ("B".into(), "x=y".into())]);
    }
}
