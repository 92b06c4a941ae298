//! What the demo's world is made of: four droplets and a cluster, as a small team's might be.
//! Plain data, read by the demo backend; every number is chosen to agree with the others
//! (processes started after their host booted, a crash that matches its logs and its add-on
//! problem, a route to the port of the app that listens there).

use crate::model::addon::Kind;

/// One row of the demo's hosts panel.
pub struct HostDef {
    pub name: &'static str,
    /// How long it takes to answer, so "connecting" shows.
    pub delay_ms: u64,
    /// Why it cannot be reached (the demo's host that is down).
    pub down: Option<&'static str>,
    /// A Kubernetes cluster rather than a droplet.
    pub cluster: bool,
    pub os: &'static str,
    pub kernel: &'static str,
    pub systemd: Option<u32>,
    pub uptime_days: u64,
    pub mem_gib: u64,
    pub disk_gib: u64,
    pub disk_used_percent: u64,
    /// The TCP ports something listens on: a web process whose PORT is not here is flagged.
    pub listening: &'static [u16],
    pub units: &'static [UnitDef],
    /// Env files: (path, text).
    pub files: &'static [(&'static str, &'static str)],
    pub addons: &'static [AddonDef],
    pub routes: &'static [RouteDef],
    pub certs: &'static [CertDef],
}

/// One process: a systemd unit on a droplet, or a workload's pods on the cluster.
pub struct UnitDef {
    pub app: &'static str,
    pub process: &'static str,
    /// The unit's name; on the cluster, the Deployment's (its pods are named after it).
    pub source: &'static str,
    /// On the cluster: `deployment/NAMESPACE/NAME`.
    pub workload: Option<&'static str>,
    pub replicas: u32,
    /// Why it is not running: it fails again after every restart.
    pub fails: Option<&'static str>,
    pub pid: u32,
    pub mem_mib: u64,
    /// Its usual CPU use, percent of one core.
    pub cpu: f64,
    /// Started this long ago (the cluster's pods too).
    pub age_hours: u64,
    pub user: &'static str,
    pub env_files: &'static [&'static str],
    /// systemd Environment= (on the cluster: the pod template's literal env).
    pub environment: &'static [(&'static str, &'static str)],
    /// On the cluster: (key, Secret name, value).
    pub secrets: &'static [(&'static str, &'static str, &'static str)],
    pub image: &'static str,
    pub node: &'static str,
    /// A scheduled job (a systemd timer): its OnCalendar, and whether its last run (3 h ago)
    /// succeeded (`fails` says why it did not).
    pub job: Option<(&'static str, bool)>,
}

pub struct AddonDef {
    pub kind: Kind,
    pub unit: &'static str,
    pub version: &'static str,
    pub listen: &'static [&'static str],
    pub mem_mib: u64,
    pub age_hours: u64,
}

pub struct RouteDef {
    pub kind: Kind,
    pub domains: &'static [&'static str],
    pub upstream: &'static str,
    pub cert_file: Option<&'static str>,
}

pub struct CertDef {
    pub what: &'static str,
    /// Served on 127.0.0.1:443 for this domain, else a file at `path` (or a cluster resource).
    pub served: bool,
    pub path: &'static str,
    pub issuer: &'static str,
    pub days_left: i64,
    /// A renewed file on disk that the front door has not loaded: the renewal trap.
    pub renewed_on_disk_days: Option<i64>,
}

const U: UnitDef = UnitDef {
    app: "",
    process: "",
    source: "",
    workload: None,
    replicas: 1,
    fails: None,
    pid: 0,
    mem_mib: 0,
    cpu: 0.0,
    age_hours: 0,
    user: "",
    env_files: &[],
    environment: &[],
    secrets: &[],
    image: "",
    node: "",
    job: None,
};

const SHOP_ENV_LON_1: &str = "# shop — production
PORT=8080
WEB_CONCURRENCY=2
DATABASE_URL=postgres://shop:pg-7Hq2xW9e@localhost:5432/shop
REDIS_URL=redis://localhost:6379/0
SECRET_KEY_BASE=5f1c0a9be83d4d27a8c6e2b1f04d7c93
STRIPE_SECRET_KEY=sk_demo_51HxQ2eKd8ZrT0p
SENTRY_DSN=https://a81c2f@o4502.ingest.example.com/17
MAIL_FROM=shop@example.com
";

/// lon-2's copy has drifted: the table marks WEB_CONCURRENCY.
const SHOP_ENV_LON_2: &str = "# shop — production
PORT=8080
WEB_CONCURRENCY=4
DATABASE_URL=postgres://shop:pg-7Hq2xW9e@localhost:5432/shop
REDIS_URL=redis://localhost:6379/0
SECRET_KEY_BASE=5f1c0a9be83d4d27a8c6e2b1f04d7c93
STRIPE_SECRET_KEY=sk_demo_51HxQ2eKd8ZrT0p
SENTRY_DSN=https://a81c2f@o4502.ingest.example.com/17
MAIL_FROM=shop@example.com
";

/// ledger points at a port where no PostgreSQL listens: why ledger-web crashes.
const LEDGER_ENV: &str = "# ledger
PORT=8081
DATABASE_URL=postgres://ledger:lg-Zk41mPq@localhost:5433/ledger
REDIS_URL=redis://localhost:6379/2
LEDGER_API_TOKEN=tok_demo_9f8e7d6c5b4a
";

/// ams-1's worker reaches lon-1's PostgreSQL over the private network: the env table shows
/// DATABASE_URL differing between hosts, which is the bug.
const LEDGER_ENV_AMS_1: &str = "# ledger
PORT=8081
DATABASE_URL=postgres://ledger:lg-Zk41mPq@10.114.0.2:5432/ledger
REDIS_URL=redis://localhost:6379/2
LEDGER_API_TOKEN=tok_demo_9f8e7d6c5b4a
";

const BILLING_ENV: &str = "# billing
PORT=8082
DATABASE_URL=postgres://billing:bl-Q8ds2Lw@localhost:5432/billing
REDIS_URL=redis://localhost:6379/1
INVOICE_SIGNING_KEY=ik_demo_3c2b1a
";

const STATUS_ENV: &str = "# status page
PORT=3000
CHECK_INTERVAL=30
";

pub static HOSTS: &[HostDef] = &[
    HostDef {
        name: "lon-1",
        delay_ms: 250,
        down: None,
        cluster: false,
        os: "Debian GNU/Linux 12 (bookworm)",
        kernel: "6.1.0-27-amd64",
        systemd: Some(252),
        uptime_days: 41,
        mem_gib: 4,
        disk_gib: 80,
        disk_used_percent: 38,
        listening: &[22, 80, 443, 5432, 6379, 8080, 9100],
        units: &[
            UnitDef {
                app: "shop",
                process: "web",
                source: "shop-web.service",
                pid: 1412,
                mem_mib: 182,
                cpu: 9.0,
                age_hours: 148,
                user: "shop",
                env_files: &["-/etc/shop/env"],
                environment: &[("RACK_ENV", "production")],
                ..U
            },
            UnitDef {
                app: "shop",
                process: "worker",
                source: "shop-worker.service",
                pid: 1420,
                mem_mib: 241,
                cpu: 4.0,
                age_hours: 148,
                user: "shop",
                env_files: &["-/etc/shop/env"],
                environment: &[("RACK_ENV", "production"), ("QUEUES", "default,mailers")],
                ..U
            },
            UnitDef {
                app: "shop",
                process: "clock",
                source: "shop-clock.service",
                pid: 1431,
                mem_mib: 48,
                cpu: 0.3,
                age_hours: 148,
                user: "shop",
                env_files: &["-/etc/shop/env"],
                ..U
            },
            UnitDef {
                app: "ledger",
                process: "web",
                source: "ledger-web.service",
                fails: Some("crashed (exit 1): ledger: could not connect to the database at localhost:5433"),
                age_hours: 3,
                user: "ledger",
                env_files: &["/etc/ledger/env"],
                ..U
            },
        ],
        files: &[("/etc/shop/env", SHOP_ENV_LON_1), ("/etc/ledger/env", LEDGER_ENV)],
        addons: &[
            AddonDef {
                kind: Kind::Nginx,
                unit: "nginx.service",
                version: "1.22.1",
                listen: &["0.0.0.0:80", "0.0.0.0:443"],
                mem_mib: 12,
                age_hours: 980,
            },
            AddonDef {
                kind: Kind::Postgresql,
                unit: "postgresql@15-main.service",
                version: "15.10",
                listen: &["127.0.0.1:5432"],
                mem_mib: 96,
                age_hours: 980,
            },
            AddonDef {
                kind: Kind::Redis,
                unit: "redis-server.service",
                version: "7.0.15",
                listen: &["127.0.0.1:6379"],
                mem_mib: 9,
                age_hours: 980,
            },
        ],
        routes: &[
            RouteDef {
                kind: Kind::Nginx,
                domains: &["shop.example.com", "www.shop.example.com"],
                upstream: "http://127.0.0.1:8080",
                cert_file: Some("/etc/letsencrypt/live/shop.example.com/fullchain.pem"),
            },
            RouteDef {
                kind: Kind::Nginx,
                domains: &["ledger.example.com"],
                upstream: "http://127.0.0.1:8081",
                cert_file: Some("/etc/letsencrypt/live/ledger.example.com/fullchain.pem"),
            },
        ],
        certs: &[
            CertDef {
                what: "shop.example.com",
                served: true,
                path: "",
                issuer: "C=US, O=Let's Encrypt, CN=R11",
                days_left: 9,
                renewed_on_disk_days: None,
            },
            CertDef {
                what: "ledger.example.com",
                served: true,
                path: "",
                issuer: "C=US, O=Let's Encrypt, CN=R10",
                days_left: 64,
                renewed_on_disk_days: None,
            },
        ],
    },
    HostDef {
        name: "lon-2",
        delay_ms: 500,
        down: None,
        cluster: false,
        os: "Debian GNU/Linux 12 (bookworm)",
        kernel: "6.1.0-27-amd64",
        systemd: Some(252),
        uptime_days: 41,
        mem_gib: 4,
        disk_gib: 80,
        disk_used_percent: 51,
        listening: &[22, 80, 443, 5432, 6379, 8080, 8082, 9100],
        units: &[
            UnitDef {
                app: "shop",
                process: "web",
                source: "shop-web.service",
                pid: 2207,
                mem_mib: 175,
                cpu: 8.0,
                age_hours: 148,
                user: "shop",
                env_files: &["-/etc/shop/env"],
                environment: &[("RACK_ENV", "production")],
                ..U
            },
            UnitDef {
                app: "shop",
                process: "worker",
                source: "shop-worker.service",
                pid: 2215,
                mem_mib: 236,
                cpu: 3.5,
                age_hours: 148,
                user: "shop",
                env_files: &["-/etc/shop/env"],
                environment: &[("RACK_ENV", "production"), ("QUEUES", "default,mailers")],
                ..U
            },
            UnitDef {
                app: "billing",
                process: "web",
                source: "billing@web.service",
                pid: 3021,
                mem_mib: 121,
                cpu: 5.0,
                age_hours: 52,
                user: "billing",
                env_files: &["/etc/billing/env"],
                ..U
            },
            UnitDef {
                app: "billing",
                process: "worker",
                source: "billing@worker.service",
                pid: 3034,
                mem_mib: 88,
                cpu: 1.5,
                age_hours: 52,
                user: "billing",
                env_files: &["/etc/billing/env"],
                ..U
            },
            UnitDef {
                app: "billing",
                process: "invoices",
                source: "billing-invoices.service",
                fails: Some("crashed (exit 2): invoices: SMTP login refused (535 authentication failed)"),
                age_hours: 3,
                user: "billing",
                env_files: &["/etc/billing/env"],
                job: Some(("OnCalendar=*-*-* 02:00:00", false)),
                ..U
            },
        ],
        files: &[("/etc/shop/env", SHOP_ENV_LON_2), ("/etc/billing/env", BILLING_ENV)],
        addons: &[
            AddonDef {
                kind: Kind::Nginx,
                unit: "nginx.service",
                version: "1.22.1",
                listen: &["0.0.0.0:80", "0.0.0.0:443"],
                mem_mib: 11,
                age_hours: 980,
            },
            AddonDef {
                kind: Kind::Postgresql,
                unit: "postgresql@15-main.service",
                version: "15.10",
                listen: &["127.0.0.1:5432"],
                mem_mib: 112,
                age_hours: 980,
            },
            AddonDef {
                kind: Kind::Redis,
                unit: "redis-server.service",
                version: "7.0.15",
                listen: &["127.0.0.1:6379"],
                mem_mib: 14,
                age_hours: 980,
            },
        ],
        routes: &[RouteDef {
            kind: Kind::Nginx,
            domains: &["billing.example.com"],
            upstream: "http://127.0.0.1:8082",
            cert_file: Some("/etc/letsencrypt/live/billing.example.com/fullchain.pem"),
        }],
        certs: &[CertDef {
            what: "billing.example.com",
            served: true,
            path: "",
            issuer: "C=US, O=Let's Encrypt, CN=R11",
            days_left: 4,
            renewed_on_disk_days: Some(89),
        }],
    },
    HostDef {
        name: "ams-1",
        delay_ms: 800,
        down: None,
        cluster: false,
        os: "Ubuntu 20.04.6 LTS",
        kernel: "5.4.0-200-generic",
        systemd: Some(245),
        uptime_days: 212,
        mem_gib: 2,
        disk_gib: 50,
        disk_used_percent: 83,
        listening: &[22, 80, 443, 6379],
        units: &[
            UnitDef {
                app: "ledger",
                process: "worker",
                source: "ledger-worker.service",
                pid: 911,
                mem_mib: 64,
                cpu: 1.0,
                age_hours: 3100,
                user: "ledger",
                env_files: &["/etc/ledger/env"],
                ..U
            },
            UnitDef {
                app: "status",
                process: "web",
                source: "status-web.service",
                pid: 930,
                mem_mib: 38,
                cpu: 0.5,
                age_hours: 3100,
                user: "status",
                env_files: &["/etc/status/env"],
                ..U
            },
        ],
        files: &[("/etc/ledger/env", LEDGER_ENV_AMS_1), ("/etc/status/env", STATUS_ENV)],
        addons: &[
            AddonDef {
                kind: Kind::Nginx,
                unit: "nginx.service",
                version: "1.18.0",
                listen: &["0.0.0.0:80", "0.0.0.0:443"],
                mem_mib: 8,
                age_hours: 5088,
            },
            AddonDef {
                kind: Kind::Redis,
                unit: "redis-server.service",
                version: "5.0.7",
                listen: &["127.0.0.1:6379"],
                mem_mib: 6,
                age_hours: 5088,
            },
        ],
        routes: &[RouteDef {
            kind: Kind::Nginx,
            domains: &["status.example.com"],
            upstream: "http://127.0.0.1:3000",
            cert_file: Some("/etc/letsencrypt/live/status.example.com/fullchain.pem"),
        }],
        certs: &[CertDef {
            what: "status.example.com",
            served: true,
            path: "",
            issuer: "C=US, O=Let's Encrypt, CN=E5",
            days_left: 71,
            renewed_on_disk_days: None,
        }],
    },
    HostDef {
        name: "nyc-1",
        delay_ms: 1500,
        down: Some("connection refused (203.0.113.7:22)"),
        cluster: false,
        os: "",
        kernel: "",
        systemd: None,
        uptime_days: 0,
        mem_gib: 0,
        disk_gib: 0,
        disk_used_percent: 0,
        listening: &[],
        units: &[],
        files: &[],
        addons: &[],
        routes: &[],
        certs: &[],
    },
    HostDef {
        name: "prod-k8s",
        delay_ms: 650,
        down: None,
        cluster: true,
        os: "Kubernetes v1.31.4",
        kernel: "https://203.0.113.50:6443",
        systemd: None,
        uptime_days: 96,
        mem_gib: 24,
        disk_gib: 480,
        disk_used_percent: 27,
        listening: &[],
        units: &[
            UnitDef {
                app: "api",
                process: "web",
                source: "api-web",
                workload: Some("deployment/apps/api-web"),
                replicas: 3,
                mem_mib: 210,
                cpu: 12.0,
                age_hours: 26,
                environment: &[("PORT", "8080"), ("LOG_LEVEL", "info"), ("REDIS_URL", "redis://redis.apps.svc:6379/0")],
                secrets: &[("DATABASE_URL", "api-db", "postgres://api:k8s-Wm3x9@pg.apps.svc:5432/api")],
                image: "ghcr.io/example/api:1.14.2",
                node: "pool-a-3f9k2",
                ..U
            },
            UnitDef {
                app: "api",
                process: "worker",
                source: "api-worker",
                workload: Some("deployment/apps/api-worker"),
                fails: Some("CrashLoopBackOff, last exit 137: OOMKilled"),
                mem_mib: 512,
                age_hours: 26,
                environment: &[("QUEUE", "exports")],
                secrets: &[("DATABASE_URL", "api-db", "postgres://api:k8s-Wm3x9@pg.apps.svc:5432/api")],
                image: "ghcr.io/example/api:1.14.2",
                node: "pool-a-8d2m1",
                ..U
            },
            UnitDef {
                app: "shop",
                process: "mailer",
                source: "shop-mailer",
                workload: Some("deployment/apps/shop-mailer"),
                mem_mib: 96,
                cpu: 1.0,
                age_hours: 72,
                environment: &[("SMTP_HOST", "smtp.example.com")],
                secrets: &[("SMTP_PASSWORD", "shop-mailer", "smtp-demo-5Lk2q")],
                image: "ghcr.io/example/shop-mailer:2.3.0",
                node: "pool-a-3f9k2",
                ..U
            },
        ],
        files: &[],
        addons: &[AddonDef {
            kind: Kind::Redis,
            unit: "statefulset/apps/redis",
            version: "7.2.5",
            listen: &["redis.apps.svc:6379"],
            mem_mib: 64,
            age_hours: 2300,
        }],
        routes: &[],
        certs: &[CertDef {
            what: "api.example.com",
            served: false,
            path: "certificate/apps/api-tls",
            issuer: "C=US, O=Let's Encrypt, CN=R11",
            days_left: 58,
            renewed_on_disk_days: None,
        }],
    },
];
