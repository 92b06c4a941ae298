//! Add-on detection over output captured from the lab, and linking to apps through env.

use fleet::addons::Kind;
use fleet::addons::link::link;
use fleet::addons::parse::parse;
use fleet::model::{HostId, ProcessState};

const LAB_1: &str = include_str!("../fixtures/addons/lab-1.txt");

fn app(name: &str, vars: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
    (name.into(), vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

#[test]
fn finds_redis_postgres_and_nginx_with_versions_and_sockets() {
    let a = parse(LAB_1, &HostId("lab-1".into())).unwrap();
    let kinds: Vec<Kind> = a.iter().map(|x| x.kind).collect();
    assert_eq!(kinds, [Kind::Nginx, Kind::Postgresql, Kind::Redis], "Debian's umbrella postgresql.service is folded into the cluster");
    let pg = &a[1];
    assert_eq!((pg.unit.as_str(), pg.version.as_deref(), pg.state), ("postgresql@15-main.service", Some("15.18"), ProcessState::Running));
    assert_eq!(pg.listen, ["127.0.0.1:5432"]);
    assert!(pg.memory_bytes.is_some() && pg.since.is_some());
    assert_eq!(a[2].version.as_deref(), Some("7.0.15"));
    assert_eq!(a[0].routes[0].domains, ["shop.lab.test", "www.shop.lab.test"]);
}

#[test]
fn links_apps_through_their_env_and_reports_dangling_pointers() {
    let host = HostId("lab-1".into());
    let mut a = parse(LAB_1, &host).unwrap();
    let apps = [
        app(
            "shop",
            &[("PORT", "8080"), ("DATABASE_URL", "postgres://shop:x@localhost:5432/shop"), ("REDIS_URL", "redis://localhost:6379/0")],
        ),
        app(
            "ledger",
            &[("PORT", "8080"), ("DATABASE_URL", "postgres:///ledger?host=/var/run/postgresql"), ("CACHE_URL", "redis://127.0.0.1:6380")],
        ),
        app("remote", &[("DATABASE_URL", "postgres://u:p@db.example.com:5432/x")]),
    ];
    let problems = link(&host, &mut a, &apps, &["lab-1"]);
    let pg = a.iter().find(|x| x.kind == Kind::Postgresql).unwrap();
    let users: Vec<String> = pg.used_by.iter().map(|u| format!("{} ({})", u.app, u.key)).collect();
    assert_eq!(users, ["shop (DATABASE_URL)", "ledger (DATABASE_URL)"], "a unix socket counts too");
    let redis = a.iter().find(|x| x.kind == Kind::Redis).unwrap();
    assert_eq!(redis.used_by.len(), 1);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].message.contains("ledger's CACHE_URL points at 127.0.0.1:6380") && problems[0].message.contains("no redis listens")
    );
    // Two apps share port 8080: the domain names the one nginx routes to.
    let nginx = a.iter().find(|x| x.kind == Kind::Nginx).unwrap();
    assert_eq!(nginx.routes[0].app.as_deref(), Some("shop"));
}

#[test]
fn a_route_to_a_local_port_nothing_listens_on_is_a_problem() {
    let host = HostId("lab-1".into());
    let apps = [app("shop", &[("PORT", "8080")])];
    let mut a = parse(LAB_1, &host).unwrap();
    assert!(link(&host, &mut a, &apps, &["lab-1"]).is_empty(), "shop listens on 8080");
    assert_eq!(a[0].routes[0].upstream_listening, Some(true));

    let deaf = LAB_1.replace("LISTEN 0      16     127.0.0.1:8080 0.0.0.0:*\n", "");
    assert_ne!(deaf, LAB_1);
    let mut a = parse(&deaf, &host).unwrap();
    let problems = link(&host, &mut a, &apps, &["lab-1"]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].app, "shop", "the problem goes to the app the route leads to");
    assert_eq!(
        problems[0].message,
        "shop.lab.test www.shop.lab.test (nginx) proxies to http://127.0.0.1:8080, where nothing listens on lab-1: visitors get a 502"
    );
}

#[test]
fn upstream_addresses() {
    use fleet::addons::upstream_addr;
    assert_eq!(upstream_addr("http://127.0.0.1:8080/"), Some(("127.0.0.1", 8080)));
    assert_eq!(upstream_addr("localhost:3000"), Some(("localhost", 3000)));
    assert_eq!(upstream_addr("http://[::1]:8081"), Some(("::1", 8081)));
    assert_eq!(upstream_addr("http://backend"), None, "an upstream group names no port");
    assert_eq!(upstream_addr("unix:/run/app.sock"), None);
}
