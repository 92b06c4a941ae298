//! The demo's env, add-ons and certificates, built from the world with the same pure functions
//! real hosts go through (systemd's env precedence, add-on linking, the renewal note), so the
//! demo shows what fleet would say of such a host.

use jiff::{SignedDuration, Timestamp};

use super::live::Live;
use super::logs::hash;
use super::world::{HostDef, UnitDef};
use crate::addons::link::link;
use crate::certs::{CertRow, CertSource};
use crate::env::table::{FileRead, FileState, process_env};
use crate::env::write::sha256_hex;
use crate::model::addon::{AddOn, AddonProblem, Route, Use};
use crate::model::cert::CertInfo;
use crate::model::env::EnvSource;
use crate::model::{HostId, ProcessEnv, ProcessState};

/// The env files as a host would give them to `process_env`.
pub fn file_reads(live: &Live) -> Vec<FileRead> {
    live.files
        .iter()
        .map(|(path, text)| FileRead {
            path: path.clone(),
            state: FileState::Read { sha256: sha256_hex(text.as_bytes()), text: text.clone() },
        })
        .collect()
}

/// One process's env (a pod's: its template's literals and Secrets).
pub fn env_of(host: &HostId, def: &HostDef, u: &UnitDef, source: &str, files: &[FileRead]) -> ProcessEnv {
    if !def.cluster {
        let unit_env: Vec<(String, String)> = u.environment.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let env_files: Vec<String> = u.env_files.iter().map(|f| f.to_string()).collect();
        return process_env(host, u.process, source, &unit_env, &env_files, files);
    }
    let workload = u.workload.unwrap_or(u.source).to_string();
    let mut vars: Vec<(String, String, EnvSource)> =
        u.environment.iter().map(|(k, v)| (k.to_string(), v.to_string(), EnvSource::KubeSpec { workload: workload.clone() })).collect();
    vars.extend(u.secrets.iter().map(|(k, name, v)| {
        (k.to_string(), v.to_string(), EnvSource::KubeSecret { namespace: "apps".into(), name: name.to_string(), key: k.to_string() })
    }));
    ProcessEnv { host: host.clone(), process: u.process.to_string(), unit: source.to_string(), vars, problems: Vec::new() }
}

fn ago(now: Timestamp, hours: u64) -> Timestamp {
    now.checked_sub(SignedDuration::from_hours(hours as i64)).unwrap_or(now)
}

/// The add-ons there, linked to the apps through their env like a real host's.
pub fn addons(host: &HostId, def: &HostDef, live: &Live, now: Timestamp) -> (Vec<AddOn>, Vec<AddonProblem>) {
    let mut list: Vec<AddOn> = def
        .addons
        .iter()
        .map(|a| AddOn {
            host: host.clone(),
            kind: a.kind,
            name: None,
            unit: a.unit.to_string(),
            state: ProcessState::Running,
            detail: if def.cluster { "1/1 ready".into() } else { "active (running)".into() },
            version: Some(a.version.to_string()),
            listen: a.listen.iter().map(|l| l.to_string()).collect(),
            ports: a.listen.iter().filter_map(|l| l.rsplit_once(':')?.1.parse().ok()).collect(),
            memory_bytes: Some(a.mem_mib << 20),
            since: Some(ago(now, a.age_hours)),
            used_by: Vec::new(),
            routes: def
                .routes
                .iter()
                .filter(|r| r.kind == a.kind)
                .map(|r| {
                    let port = crate::addons::upstream_addr(r.upstream).map(|(_, p)| p);
                    Route {
                        domains: r.domains.iter().map(|d| d.to_string()).collect(),
                        tls: r.cert_file.is_some(),
                        tls_port: r.cert_file.is_some().then_some(443),
                        cert_file: r.cert_file.map(str::to_string),
                        upstream: r.upstream.to_string(),
                        upstream_port: port,
                        app: None,
                        upstream_listening: port.map(|p| def.listening.contains(&p)),
                    }
                })
                .collect(),
        })
        .collect();
    // Every app's env there, for the links.
    let files = file_reads(live);
    let mut apps: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for u in def.units {
        let env = env_of(host, def, u, u.source, &files);
        let vars: Vec<(String, String)> = env.vars.into_iter().map(|(k, v, _)| (k, v)).collect();
        match apps.iter_mut().find(|(a, _)| a == u.app) {
            Some((_, have)) => have.extend(vars.into_iter().filter(|kv| !have.contains(kv)).collect::<Vec<_>>()),
            None => apps.push((u.app.to_string(), vars)),
        }
    }
    if def.cluster {
        // A cluster's add-ons are Services: an env value naming the Service uses it.
        for a in &mut list {
            for (app, vars) in &apps {
                for (k, v) in vars {
                    if a.listen.iter().any(|l| l.split(':').next().is_some_and(|svc| v.contains(svc))) {
                        a.used_by.push(Use { app: app.clone(), key: k.clone() });
                    }
                }
            }
        }
        return (list, Vec::new());
    }
    let problems = link(host, &mut list, &apps, &[def.name]);
    (list, problems)
}

fn info(what: &str, issuer: &str, days: i64, now: Timestamp) -> CertInfo {
    // A few hours past the whole days, so "days left" reads as the world says.
    let not_after = now.checked_add(SignedDuration::from_hours(days * 24 + 5)).unwrap_or(now);
    CertInfo {
        subject: format!("CN={what}"),
        sans: vec![what.to_string()],
        issuer: issuer.to_string(),
        not_after,
        serial: format!("{:016x}{:04x}", hash(what), days.unsigned_abs()),
        is_ca: false,
    }
}

/// Every certificate the host serves or holds.
pub fn certs(host: &HostId, def: &HostDef, now: Timestamp) -> Vec<CertRow> {
    let mut rows = Vec::new();
    for c in def.certs {
        let served = info(c.what, c.issuer, c.days_left, now);
        if !c.served {
            rows.push(CertRow {
                host: host.clone(),
                what: c.what.to_string(),
                source: CertSource::Kube { resource: c.path.to_string() },
                info: Some(served),
                error: None,
                note: None,
            });
            continue;
        }
        let disk = c.renewed_on_disk_days.map(|d| info(c.what, c.issuer, d, now)).unwrap_or_else(|| served.clone());
        let note = (disk.serial != served.serial).then(|| crate::certs::renewal_note(disk.not_after, "nginx"));
        rows.push(CertRow {
            host: host.clone(),
            what: c.what.to_string(),
            source: CertSource::Served { addr: "127.0.0.1:443".into(), domain: c.what.to_string() },
            info: Some(served),
            error: None,
            note,
        });
        rows.push(CertRow {
            host: host.clone(),
            what: format!("{} (file)", c.what),
            source: CertSource::File { path: format!("/etc/letsencrypt/live/{}/fullchain.pem", c.what) },
            info: Some(disk),
            error: None,
            note: None,
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::demo::world::HOSTS;

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    fn host(name: &str) -> (HostId, &'static HostDef) {
        (HostId(name.into()), HOSTS.iter().find(|h| h.name == name).unwrap())
    }

    #[test]
    fn the_renewal_trap_is_noted() {
        let (id, def) = host("lon-2");
        let rows = certs(&id, def, now());
        let served = rows.iter().find(|r| r.what == "billing.example.com").unwrap();
        assert_eq!(served.days_left(now()), Some(4));
        assert!(served.note.as_deref().unwrap().starts_with("renewed on disk (valid until"), "{:?}", served.note);
        let file = rows.iter().find(|r| r.what == "billing.example.com (file)").unwrap();
        assert_eq!(file.days_left(now()), Some(89));
    }

    #[test]
    fn addons_link_and_problems_agree_with_the_crash() {
        let (id, def) = host("lon-1");
        let live = Live::new(&id, def, now());
        let (list, problems) = addons(&id, def, &live, now());
        let pg = list.iter().find(|a| a.kind == crate::model::addon::Kind::Postgresql).unwrap();
        assert!(pg.used_by.iter().any(|u| u.app == "shop" && u.key == "DATABASE_URL"));
        let msgs: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert!(msgs.iter().any(|m| m.contains("ledger's DATABASE_URL points at localhost:5433")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("ledger.example.com (nginx) proxies to http://127.0.0.1:8081")), "{msgs:?}");
        let nginx = list.iter().find(|a| a.kind == crate::model::addon::Kind::Nginx).unwrap();
        assert_eq!(nginx.routes[0].app.as_deref(), Some("shop"));
    }

    #[test]
    fn a_pods_secrets_come_from_their_secret() {
        let (id, def) = host("prod-k8s");
        let env = env_of(&id, def, &def.units[0], "pod/apps/x", &[]);
        let (_, _, src) = env.vars.iter().find(|(k, _, _)| k == "DATABASE_URL").unwrap();
        assert!(src.always_secret());
    }
}
