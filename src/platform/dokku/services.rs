//! Dokku's service plugins (dokku-redis, dokku-postgres, …) as add-ons: each installed
//! plugin's services (`dokku --quiet redis:list`), the apps linked to each (`redis:links
//! SERVICE`), and the service's container (`dokku.redis.SERVICE`, labelled
//! `dokku.service=redis`) for its state. The variable an app reads it by is the one of its
//! dynos' env that names the service's host (`dokku-redis-SERVICE`, as a link sets it).

use bollard::models::ContainerInspectResponse;

use crate::discovery::sections::Sections;
use crate::model::addon::{Kind, Use};
use crate::model::{AddOn, HostId, ProcessState};
use crate::platform::docker::containers::{self, name_of};
use crate::platform::machine::commands::privileged;

/// The plugins fleet asks about, as Dokku names them.
pub const PLUGINS: &[&str] = &["redis", "postgres", "mysql", "mariadb", "mongo", "memcached", "rabbitmq", "elasticsearch"];

/// One round trip: for each installed plugin, its services and each one's linked apps, in
/// sections `svc-PLUGIN` and `links-PLUGIN SERVICE`.
pub fn script(as_root: bool) -> String {
    let d = format!("{}dokku", privileged(as_root));
    PLUGINS
        .iter()
        .map(|p| {
            format!(
                "if {d} plugin:installed {p} >/dev/null 2>&1; then\n  echo '@@fleet svc-{p}'\n  {d} --quiet {p}:list 2>/dev/null\n  for s in $({d} --quiet {p}:list 2>/dev/null); do echo \"@@fleet links-{p} $s\"; {d} --quiet {p}:links \"$s\" 2>/dev/null; done\nfi\n"
            )
        })
        .collect()
}

/// A service plugin's add-on kind.
pub fn kind_of(plugin: &str) -> Option<Kind> {
    match plugin {
        "mariadb" => Some(Kind::Mysql),
        other => Kind::of_image(other),
    }
}

fn names(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("=====>") && super::report::valid_app(l))
        .map(String::from)
        .collect()
}

/// The add-ons the script's output describes. `sections` is split from it; the `links-`
/// sections are keyed by their whole header line. `app_env` gives a linked app's dynos' env.
pub fn addons(
    host: &HostId,
    output: &str,
    all: &[ContainerInspectResponse],
    app_env: impl Fn(&str) -> Vec<(String, String)>,
) -> Vec<AddOn> {
    let sections: Sections = crate::discovery::sections::split(output);
    let links = links_of(output);
    let mut out = Vec::new();
    for plugin in PLUGINS {
        let Some(list) = sections.get(&format!("svc-{plugin}")) else { continue };
        let Some(kind) = kind_of(plugin) else { continue };
        for service in names(list) {
            let container = format!("dokku.{plugin}.{service}");
            let c = all.iter().find(|c| name_of(c) == container);
            let (state, detail) = match c {
                Some(c) => {
                    let (s, d, _) = containers::state_of(c);
                    (s, d)
                }
                None => (ProcessState::Unknown, format!("no container {container}")),
            };
            let host_name = format!("dokku-{plugin}-{service}");
            let used_by = links
                .iter()
                .filter(|(p, s, _)| p == plugin && *s == service)
                .flat_map(|(_, _, apps)| apps.iter())
                .map(|app| {
                    let key =
                        app_env(app).into_iter().find(|(_, v)| v.contains(&host_name)).map(|(k, _)| k).unwrap_or_else(|| "(linked)".into());
                    Use { app: app.clone(), key }
                })
                .collect();
            out.push(AddOn {
                host: host.clone(),
                kind,
                name: Some(service.clone()),
                unit: format!("dokku {plugin} {service}"),
                state,
                detail,
                version: c.and_then(|c| c.config.as_ref()).and_then(|c| c.image.clone()),
                listen: c.map(containers::published_ports).unwrap_or_default(),
                ports: kind.ports().to_vec(),
                memory_bytes: None,
                since: c
                    .filter(|_| state == ProcessState::Running)
                    .and_then(|c| containers::parse_time(c.state.as_ref().and_then(|s| s.started_at.as_deref()))),
                used_by,
                routes: Vec::new(),
            });
        }
    }
    out
}

/// (plugin, service, linked apps) from the `@@fleet links-PLUGIN SERVICE` sections.
fn links_of(output: &str) -> Vec<(String, String, Vec<String>)> {
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut current: Option<usize> = None;
    for line in output.lines() {
        if let Some(header) = line.strip_prefix("@@fleet ") {
            current = header.strip_prefix("links-").and_then(|rest| rest.split_once(' ')).map(|(p, s)| {
                out.push((p.to_string(), s.trim().to_string(), Vec::new()));
                out.len() - 1
            });
            continue;
        }
        if let Some(i) = current
            && super::report::valid_app(line.trim())
        {
            out[i].2.push(line.trim().to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_their_links_and_the_variable_that_names_them() {
        let output =
            "@@fleet svc-redis\nblog-cache\nlonely\n@@fleet links-redis blog-cache\nblog\n@@fleet links-redis lonely\n@@fleet end\n";
        let env = |app: &str| {
            assert_eq!(app, "blog");
            vec![("REDIS_URL".to_string(), "redis://:pw@dokku-redis-blog-cache:6379".to_string())]
        };
        let a = addons(&HostId("lab-2".into()), output, &[], env);
        assert_eq!(a.len(), 2);
        assert_eq!((a[0].unit.as_str(), a[0].kind), ("dokku redis blog-cache", Kind::Redis));
        assert_eq!(a[0].used_by, [Use { app: "blog".into(), key: "REDIS_URL".into() }]);
        assert!(a[1].used_by.is_empty() && a[1].state == ProcessState::Unknown, "{:?}", a[1]);
    }
}
