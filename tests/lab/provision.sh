#!/usr/bin/env bash
# Runs inside a lab droplet (docker exec -i ... bash -s) with ROLE=lab-1|lab-2|bench.
# Installs the sample apps that follow fleet's default convention, plus units that are NOT apps.
set -euo pipefail
ROLE=${ROLE:?}

app_unit() { # NAME(unit file name) APP PROCESS [extra [Service] lines]
  local unit=$1 app=$2 proc=$3; shift 3
  cat >"/etc/systemd/system/$unit" <<UNIT
[Unit]
Description=$app $proc (fleet lab)
After=network.target

[Service]
User=$app
WorkingDirectory=/srv/$app
EnvironmentFile=-/etc/$app/env
Environment=PROCESS=$proc
ExecStart=/srv/$app/bin/run $proc
$(printf '%s\n' "$@")

[Install]
WantedBy=multi-user.target
UNIT
}

# A web process answers HTTP on $PORT, as a Heroku-style web process must (fleet flags one
# that does not): the stand-in apps start this in the background.
cat >/usr/local/bin/lab-answer <<'PERL'
#!/usr/bin/perl
use IO::Socket::INET;
my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ENV{PORT}, Listen => 16, ReuseAddr => 1) or die "listen on $ENV{PORT}: $!";
while (my $c = $s->accept) { my $r = <$c>; print $c "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nok\n"; close $c }
PERL
chmod 755 /usr/local/bin/lab-answer

make_app() { # APP PORT
  local app=$1 port=${2:-8080}
  id "$app" >/dev/null 2>&1 || useradd --system --home-dir "/srv/$app" --shell /usr/sbin/nologin "$app"
  mkdir -p "/srv/$app/bin" "/etc/$app"
  cat >"/srv/$app/bin/run" <<'RUN'
#!/bin/sh
# A stand-in app process: logs a line now and then, like a quiet web app.
proc=${1:-web}
echo "starting $proc (pid $$)"
[ "$proc" = web ] && [ -n "${PORT:-}" ] && lab-answer &
i=0
while :; do
  i=$((i + 1))
  echo "$proc heartbeat $i"
  sleep 5
done
RUN
  chmod 755 "/srv/$app/bin/run"
  cat >"/etc/$app/env" <<ENV
# $app environment (fleet lab)
PORT=$port
DATABASE_URL=postgres://$app:s3cret@localhost:5432/$app
REDIS_URL=redis://localhost:6379/0
SECRET_KEY_BASE=lab-not-a-secret
ENV
  chmod 640 "/etc/$app/env"; chgrp "$app" "/etc/$app/env"
}

# Every droplet gets host keys of its own (the image's were made once, at debootstrap time).
if [ ! -f /etc/ssh/.fleet-lab-keys ]; then
  rm -f /etc/ssh/ssh_host_*
  ssh-keygen -A >/dev/null
  touch /etc/ssh/.fleet-lab-keys
  systemctl restart ssh
fi

# A TLS site for the certificate checks: DOMAIN, days valid, the app port it routes to, and
# optionally "expired" (valid from 400 to 30 days ago; `openssl req` cannot backdate, `openssl ca`
# can).
tls_site() { # DOMAIN DAYS APP_PORT [expired]
  local d=$1 days=$2 port=$3 live=/etc/letsencrypt/live/$1
  mkdir -p "$live"
  if [ "${4:-}" = expired ]; then
    local ca; ca=$(mktemp -d)
    touch "$ca/index.txt"; echo 01 >"$ca/serial"
    printf '[ca]\ndefault_ca = lab\n[lab]\ndatabase = %s/index.txt\nnew_certs_dir = %s\nserial = %s/serial\ndefault_md = sha256\npolicy = any\ncopy_extensions = copy\nunique_subject = no\n[any]\ncommonName = supplied\n' \
      "$ca" "$ca" "$ca" >"$ca/ca.cnf"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$live/privkey.pem" \
      -out "$ca/req.csr" -subj "/CN=$d" -addext "subjectAltName=DNS:$d" 2>/dev/null
    openssl ca -batch -config "$ca/ca.cnf" -selfsign -keyfile "$live/privkey.pem" -in "$ca/req.csr" -out "$live/fullchain.pem" \
      -notext -startdate "$(date -u -d '-400 days' +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d '-30 days' +%Y%m%d%H%M%SZ)" 2>/dev/null
    rm -rf "$ca"
  else
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$live/privkey.pem" \
      -out "$live/fullchain.pem" -days "$days" -subj "/CN=$d" -addext "subjectAltName=DNS:$d" 2>/dev/null
  fi
  cat >"/etc/nginx/sites-enabled/$d-tls" <<NGINX
server {
    listen 443 ssl;
    server_name $d;
    ssl_certificate $live/fullchain.pem;
    ssl_certificate_key $live/privkey.pem;
    location / { proxy_pass http://127.0.0.1:$port; }
}
NGINX
}

# A vendor unit whose name looks like an app's: installed under /lib, so not an app.
cat >/lib/systemd/system/acme-agent.service <<'UNIT'
[Unit]
Description=vendor agent that must not show up as an app
[Service]
ExecStart=/bin/sleep infinity
[Install]
WantedBy=multi-user.target
UNIT

# pay: an app run by supervisord (Debian's package) beside the systemd apps on lab-1: a group
# with web×2 (numprocs), a worker writing escapes to stderr, a program that crashes into FATAL
# and a chatty one whose log rotates every few seconds (for the follow-across-rotation test).
supervisor_apps() {
  make_app pay 9000
  cat >/srv/pay/bin/worker <<'RUN'
#!/bin/sh
echo "worker starting (pid $$)"
i=0
while :; do
  i=$((i + 1))
  echo "worker heartbeat $i"
  printf '\033[31merror\033[0m: queue %s is empty\n' "$i" >&2
  sleep 3
done
RUN
  cat >/srv/pay/bin/ticker <<'RUN'
#!/bin/sh
i=0
while :; do
  i=$((i + 1))
  printf 'tick %06d ........................................\n' "$i"
  sleep 0.02
done
RUN
  chmod 755 /srv/pay/bin/worker /srv/pay/bin/ticker
  # supervisord's own environment=: every program inherits it.
  grep -q '^environment=REGION' /etc/supervisor/supervisord.conf \
    || sed -i 's|^\[supervisord\]$|[supervisord]\nenvironment=REGION="lab-1",TEAM="payments"|' /etc/supervisor/supervisord.conf
  cat >/etc/supervisor/conf.d/pay.conf <<'CONF'
; pay (fleet lab): one app, four programs, run by supervisord
[group:pay]
programs=pay-web,pay-worker,pay-bank,pay-ticker

[program:pay-web]
command=/srv/pay/bin/run web
process_name=%(program_name)s_%(process_num)02d
numprocs=2
user=pay
directory=/srv/pay
startsecs=1
; run is a shell that starts a listener in the background: stop them together
stopasgroup=true
killasgroup=true
environment=PORT="90%(process_num)02d",REGION_WAS="%(ENV_REGION)s",NAME="%(program_name)s/%(group_name)s",PCT="100%%",
  DATABASE_URL="postgres://pay:s3cret@localhost:5432/pay",GREETING='say "hi"',LIST="a,b"
stdout_logfile=/var/log/supervisor/%(program_name)s_%(process_num)02d.log
stderr_logfile=/var/log/supervisor/%(program_name)s_%(process_num)02d.err

[program:pay-worker]
command=/srv/pay/bin/worker
user=pay
directory=/srv/pay
environment=QUEUE="default",SECRET_KEY_BASE="pay-not-a-secret"
stdout_logfile=/var/log/supervisor/pay-worker.log
stderr_logfile=/var/log/supervisor/pay-worker.err

[program:pay-bank]
command=/bin/sh -c 'echo "cannot reach the bank at 10.0.0.9:443" >&2; exit 3'
startsecs=2
startretries=1
stdout_logfile=/var/log/supervisor/pay-bank.log
stderr_logfile=/var/log/supervisor/pay-bank.err

[program:pay-ticker]
command=/srv/pay/bin/ticker
user=pay
redirect_stderr=true
stdout_logfile=/var/log/supervisor/pay-ticker.log
stdout_logfile_maxbytes=12KB
stdout_logfile_backups=1
CONF
  # The new environment= of [supervisord] needs supervisord itself restarted; then the
  # programs come up from the files.
  systemctl restart supervisor
  supervisor_reaches '^pay:pay-bank  *FATAL' '^pay:pay-web_01  *RUNNING'
}

# Waits until `supervisorctl status` shows a line matching each pattern (20 s at most).
supervisor_reaches() {
  local st p ok
  for _ in $(seq 1 40); do
    # supervisorctl exits 3 when any program listed is not running: read its words, not its status.
    st=$(supervisorctl status 2>/dev/null || true)
    ok=1
    for p in "$@"; do printf '%s\n' "$st" | grep -q "$p" || ok=0; done
    [ "$ok" = 1 ] && return
    sleep 0.5
  done
  journalctl -u supervisor --no-pager | tail -n 5 >&2
  supervisorctl status >&2 || true
  echo "supervisord did not bring its programs up (see above)" >&2
  exit 1
}

# pay's web on lab-2 too (one program in the same group), so a rollout of pay goes host by
# host. It listens on 9002, which nothing on lab-1 answers: the health URL that stops a rollout
# at lab-1.
pay_on_lab_2() {
  make_app pay 9002
  cat >/etc/supervisor/conf.d/pay.conf <<'CONF'
; pay (fleet lab): its web on lab-2
[group:pay]
programs=pay-web

[program:pay-web]
command=/srv/pay/bin/run web
user=pay
directory=/srv/pay
startsecs=1
stopasgroup=true
killasgroup=true
environment=PORT="9002"
stdout_logfile=/var/log/supervisor/pay-web.log
stderr_logfile=/var/log/supervisor/pay-web.err
CONF
  # supervisord may still be starting with the droplet: its socket comes a moment later.
  for _ in $(seq 1 20); do supervisorctl reread >/dev/null 2>&1 && break; sleep 0.5; done
  supervisorctl update >/dev/null
  supervisor_reaches '^pay:pay-web  *RUNNING'
}

# A stand-in for Dokku on lab-2 (no real Dokku can be installed here): /usr/local/bin/dokku
# answers the commands fleet uses in Dokku's documented formats (fixtures/dokku/), for 0.38.21
# or, with /var/lib/dokku-standin/VERSION saying 0.37.4, for 0.37; and deploys as Dokku's
# docker-local scheduler does: containers APP.PROCESS.N on lab-2's engine, labelled
# com.dokku.*, each new one first named APP.PROCESS.N.upcoming-NNNN, then the old one removed
# and the new one renamed. Apps: blog (web×2, worker), api (created, never deployed).
dokku_standin() {
  mkdir -p /var/lib/dokku-standin/apps
  [ -f /var/lib/dokku-standin/VERSION ] || echo 0.38.21 >/var/lib/dokku-standin/VERSION
  cat >/var/lib/dokku-standin/apps/blog.json <<'JSON'
{"deployed": true, "running": true, "scale": {"web": 2, "worker": 1},
 "env": {"DATABASE_URL": "postgres://blog:s3cret@dokku-postgres-blog-db:5432/blog_db", "DOKKU_APP_RESTORE": "1",
         "DOKKU_PROXY_PORT": "80", "GIT_REV": "4f2a9c1", "SECRET_KEY_BASE": "blog-not-a-secret",
         "REDIS_URL": "redis://:blogpass@dokku-redis-blog-cache:6379"}}
JSON
  # blog's certificate, where Dokku keeps it (self-signed, 120 days), and its domains.
  mkdir -p /home/dokku/blog/tls
  [ -f /home/dokku/blog/tls/server.crt ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout /home/dokku/blog/tls/server.key -out /home/dokku/blog/tls/server.crt -days 120 -subj "/CN=blog.lab.test" \
    -addext "subjectAltName=DNS:blog.lab.test" 2>/dev/null
  echo '{"blog": "blog.lab.test www.blog.lab.test", "api": ""}' >/var/lib/dokku-standin/domains.json
  # dokku-redis's service blog-cache, linked to blog (its container is started by standin:boot).
  mkdir -p /var/lib/dokku-standin/services
  echo '{"blog-cache": ["blog"]}' >/var/lib/dokku-standin/services/redis.json
  cat >/var/lib/dokku-standin/apps/api.json <<'JSON'
{"deployed": false, "running": false, "scale": {}, "env": {"DOKKU_APP_RESTORE": "1"}}
JSON
  cat >/usr/local/bin/dokku <<'PY'
#!/usr/bin/python3
"""fleet lab: a Dokku stand-in (see tests/lab/provision.sh). Formats as Dokku prints them."""
import base64, json, os, pwd, random, select, shlex, subprocess, sys, termios, threading, time, tty
import docker

ROOT = "/var/lib/dokku-standin"
IMAGE = "fleet-app:lab"
COMMANDS = {
    "web": 'i=0; echo "$DYNO listening on $PORT"; while :; do i=$((i+1)); echo "GET /posts/$i 200"; sleep 2; done',
    "worker": 'i=0; while :; do i=$((i+1)); echo "job $i done" >&2; sleep 0.3; done',
}

def fail(msg, code=1):
    print(f" !     {msg}", file=sys.stderr)
    sys.exit(code)

def version():
    return open(f"{ROOT}/VERSION").read().strip()

def vtuple():
    return tuple(int(p) for p in version().split("."))

def apps():
    return sorted(f[:-5] for f in os.listdir(f"{ROOT}/apps") if f.endswith(".json"))

def load(app):
    if app not in apps():
        fail(f"App {app} does not exist")
    return json.load(open(f"{ROOT}/apps/{app}.json"))

def save(app, state):
    tmp = f"{ROOT}/apps/.{app}.json.{os.getpid()}"
    json.dump(state, open(tmp, "w"))
    os.rename(tmp, f"{ROOT}/apps/{app}.json")

def services():
    d = f"{ROOT}/services"
    return [f[:-5] for f in os.listdir(d) if f.endswith(".json")] if os.path.isdir(d) else []

def client():
    return docker.from_env()

def dyno_containers(app):
    cs = client().containers.list(all=True, filters={"label": [f"com.dokku.app-name={app}", "com.dokku.container-type=deploy"]})
    return {c.name: c for c in cs}

def deploy(app, only=None):
    state = load(app)
    dc = client()
    existing = dyno_containers(app)
    for proc, count in sorted(state["scale"].items()):
        if only and proc != only:
            continue
        for n in range(1, count + 1):
            name, dyno = f"{app}.{proc}.{n}", f"{proc}.{n}"
            env = dict(state["env"], DYNO=dyno, PORT="5000")
            labels = {"com.dokku.app-name": app, "com.dokku.process-type": proc, "com.dokku.dyno": dyno,
                      "com.dokku.container-type": "deploy", "com.dokku.image-stage": "release", "dokku": "",
                      "org.label-schema.schema-version": "1.0", "org.label-schema.vendor": "dokku"}
            upcoming = f"{name}.upcoming-{random.randint(1000, 9999)}"
            new = dc.containers.create(IMAGE, ["/bin/sh", "-c", COMMANDS.get(proc, COMMANDS["web"])], name=upcoming, labels=labels,
                                       environment=env, init=True, detach=True,
                                       log_config={"type": "json-file", "config": {"max-size": "1m", "max-file": "2"}},
                                       restart_policy={"Name": "on-failure", "MaximumRetryCount": 10})
            new.start()
            print(f"-----> Deploying {proc} (count={count})")
            old = existing.get(name)
            if old is not None:
                old.remove(force=True)
            new.rename(name)
    state["deployed"] = True
    state["running"] = True
    save(app, state)
    print("=====> Application deployed")

def ps_report(app, fmt):
    state = load(app)
    status = {}
    for name, c in dyno_containers(app).items():
        parts = name.split(".")
        if len(parts) == 3:
            status[f"status-{parts[1]}-{parts[2]}"] = f"{c.status} (CID: {c.id[:12]})"
    report = {"computed-stop-timeout-seconds": "30", "deployed": str(state["deployed"]).lower(),
              "global-stop-timeout-seconds": "30", "processes": str(sum(state["scale"].values())),
              "ps-can-scale": "true", "ps-computed-procfile-path": "Procfile", "ps-global-procfile-path": "Procfile",
              "ps-procfile-path": "", "ps-restart-policy": "on-failure:10", "restore": "true",
              "running": str(state["running"] and bool(status)).lower(), "stop-timeout-seconds": "30", **status}
    if fmt == "json":
        print(json.dumps(report, sort_keys=True, separators=(",", ":")))
        return
    print(f"=====> {app} ps information")
    for k in sorted(report):
        key = k.replace("-", " ").replace(".", " ")
        print(f"       {(key[0].upper() + key[1:] + ':'):<31}{report[k]}")

def dyno_list(app, proc=None):
    """The app's dynos as Dokku's CONTAINER.TYPE.N files list them, in their order."""
    found = [(name.split(".", 1)[1], c) for name, c in dyno_containers(app).items() if len(name.split(".")) == 3]
    found = [(d, c) for d, c in found if proc is None or d.split(".")[0] == proc]
    return sorted(found, key=lambda dc: (dc[0].split(".")[0], int(dc[0].split(".")[1])))

def logs(args):
    """`dokku logs APP [-n N] [-p TYPE] [-t] [-q]` as scheduler-docker-local prints it: each
    dyno's `docker logs -t`, stdout and stderr merged, its timestamp and `app[DYNO]:` coloured."""
    app = args[0]
    load(app)
    num = int(args[args.index("-n") + 1]) if "-n" in args else 100
    proc = args[args.index("-p") + 1] if "-p" in args else None
    follow, pretty = "-t" in args, "-q" in args
    colors = [36, 33, 32, 35, 31]
    out, lock = sys.stdout.buffer, threading.Lock()

    def pump(i, dyno, c):
        try:
            pending = b""
            chunks = c.logs(stdout=True, stderr=True, timestamps=not pretty, tail=num, stream=True, follow=follow)
            for chunk in chunks:
                pending += chunk
                *lines, pending = pending.split(b"\n")
                with lock:
                    for line in lines:
                        if not pretty and b"Z " in line:
                            ts, text = line.split(b"Z ", 1)
                            line = b"\x1b[%dm%sZ app[%s]:\x1b[0m %s" % (colors[i % len(colors)], ts, dyno.encode(), text)
                        out.write(line + b"\n")
                    out.flush()
        except (BrokenPipeError, OSError):
            os._exit(0)
        except docker.errors.NotFound:
            pass

    threads = [threading.Thread(target=pump, args=(i, d, c), daemon=True) for i, (d, c) in enumerate(dyno_list(app, proc))]
    for t in threads:
        t.start()
        if not follow:
            t.join()
    for t in threads:
        t.join()

def enter(args):
    """`dokku enter APP [TYPE|TYPE.N|--container-id ID] [--] [CMD...]`: docker exec into a
    running dyno, with `-i -t` only when there is a terminal (Dokku's has_tty)."""
    app, rest = args[0], args[1:]
    load(app)
    dynos = dyno_list(app)
    chosen = None
    if rest[:1] == ["--container-id"]:
        chosen = next((c for _, c in dynos if len(rest) > 1 and c.id.startswith(rest[1])), None)
        if chosen is None:
            fail(f"Invalid container id for app: {rest[1] if len(rest) > 1 else ''}")
        rest = rest[2:]
    else:
        ctype = rest[0] if rest and rest[0] != "--" else None
        rest = rest[1:] if ctype else rest
        types = sorted({d.split(".")[0] for d, _ in dynos})
        if ctype is None:
            if len(types) > 1:
                print(" !     No container type specified.", file=sys.stderr)
                fail(f"Available types for app ({app}): {' '.join(types)}")
            ctype = types[0] if types else None
        chosen = next((c for d, c in dynos if d == ctype or d.split(".")[0] == ctype), None)
        if chosen is None:
            print(f" !     No containers found for type '{ctype}'", file=sys.stderr)
            fail(f"Available types for app ({app}): {' '.join(types)}")
    if chosen.status != "running":
        fail("Container is not running")
    if rest[:1] == ["--"]:
        rest = rest[1:]
    argv = rest or ["/bin/bash"]
    api = client().api
    if os.isatty(0):
        ex = api.exec_create(chosen.id, argv, stdin=True, tty=True)["Id"]
        sock = api.exec_start(ex, socket=True, tty=True)
        raw = getattr(sock, "_sock", sock)
        cols, rows = os.get_terminal_size(0)
        old = termios.tcgetattr(0)
        tty.setraw(0)
        try:
            try:
                api.exec_resize(ex, height=rows, width=cols)
            except docker.errors.APIError:
                pass
            while True:
                ready, _, _ = select.select([0, raw], [], [])
                if raw in ready:
                    data = raw.recv(65536)
                    if not data:
                        break
                    os.write(1, data)
                if 0 in ready:
                    data = os.read(0, 65536)
                    if not data:
                        break
                    raw.sendall(data)
        finally:
            termios.tcsetattr(0, termios.TCSADRAIN, old)
    else:
        ex = api.exec_create(chosen.id, argv, stdin=False, tty=False)["Id"]
        for so, se in api.exec_start(ex, stream=True, demux=True):
            if so:
                os.write(1, so)
            if se:
                os.write(2, se)
    code = api.exec_inspect(ex)["ExitCode"]
    sys.exit(code if code is not None else 1)

def as_dokku():
    """What Dokku's main script does for any other login (`sudo -u dokku -E -H`)."""
    pw = pwd.getpwnam("dokku")
    os.initgroups("dokku", pw.pw_gid)
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)
    os.environ["HOME"] = pw.pw_dir

def entry(argv):
    """Dokku's main script before the command: the switch to its own user, root-only plugin:*
    commands, and its forced command's SSH_ORIGINAL_COMMAND split again on whitespace (under
    `set -f`), or by xargs for config* and docker-options* commands."""
    cmd = next((a for a in argv if not a.startswith("--")), "")
    user = pwd.getpwuid(os.geteuid()).pw_name
    if cmd == "standin:boot":
        return main(argv)
    if user != "dokku" and "plugin" not in cmd:
        as_dokku()
        user = "dokku"
    if user != "root" and "plugin" in cmd:
        fail("This command must be run as root")
    forced = os.environ.pop("SSH_ORIGINAL_COMMAND", "")
    if forced:
        words = shlex.split(forced) if "config" in cmd or "docker-options" in cmd else forced.split()
        return main(words)
    main(argv)

def main(argv):
    quiet = False
    while argv and argv[0].startswith("--"):
        quiet = quiet or argv[0] == "--quiet"
        argv = argv[1:]
    if not argv:
        fail("Usage: dokku [--quiet] COMMAND <app> [command-specific-options]")
    cmd, args = argv[0], argv[1:]
    flags = [a for a in args if a.startswith("--")]
    fmt = args[args.index("--format") + 1] if "--format" in args else "stdout"
    words = [a for i, a in enumerate(args) if not a.startswith("--") and not (i > 0 and args[i - 1] == "--format")]
    if cmd == "version":
        print(f"dokku version {version()}")
    elif cmd == "apps:list":
        if fmt == "json" and vtuple() >= (0, 38, 21):
            print(json.dumps(apps(), separators=(",", ":")))
        else:
            if not quiet:
                print("=====> My Apps")
            for a in apps():
                print(a)
    elif cmd == "ps:report" and words:
        ps_report(words[0], fmt)
    elif cmd == "config:export" and words:
        env = load(words[0])["env"]
        if fmt == "json":
            print(json.dumps(env, sort_keys=True, separators=(",", ":")))
        else:
            for k in sorted(env):
                print(f"export {k}='{env[k]}'")
    elif cmd in ("config:set", "config:unset") and words:
        app, state = words[0], load(words[0])
        if cmd == "config:set":
            print("-----> Setting config vars")
            for kv in words[1:]:
                if "=" not in kv:
                    fail(f"Invalid env pair: {kv}")
                k, v = kv.split("=", 1)
                if "--encoded" in flags:
                    v = base64.b64decode(v).decode()
                state["env"][k] = v
                print(f"       {k + ':':<20}{v}")
        else:
            print("-----> Unsetting config vars")
            for k in words[1:]:
                state["env"].pop(k, None)
                print(f"       {k}")
        save(app, state)
        if "--no-restart" not in flags and state["deployed"]:
            deploy(app)
    elif cmd == "ps:rebuild" and words:
        state = load(words[0])
        if not state["deployed"]:
            fail(f"App {words[0]} has not been deployed")
        print(f"-----> Rebuilding {words[0]} from its source")
        state["builds"] = state.get("builds", 0) + 1
        save(words[0], state)
        deploy(words[0])
    elif cmd == "ps:restart" and words:
        state = load(words[0])
        if not state["deployed"]:
            fail(f"App {words[0]} has not been deployed")
        deploy(words[0], words[1] if len(words) > 1 else None)
    elif cmd == "certs:report" and words:
        load(words[0])
        crt = f"/home/dokku/{words[0]}/tls/server.crt"
        report = {"dir": f"/home/dokku/{words[0]}/tls", "enabled": str(os.path.exists(crt)).lower(), "expires-at": "",
                  "hostnames": "", "issuer": "", "starts-at": "", "subject": "", "verified": ""}
        if os.path.exists(crt):
            text = subprocess.run(["openssl", "x509", "-in", crt, "-noout", "-text"], capture_output=True, text=True).stdout
            for line in text.splitlines():
                if "Not After :" in line:
                    report["expires-at"] = line.split(" : ", 1)[1]
                if "Not Before:" in line:
                    report["starts-at"] = line.split(": ", 1)[1]
                if "Issuer:" in line:
                    report["issuer"] = line.replace("Issuer: ", "", 1).strip()
            report["hostnames"] = words[0] + ".lab.test"
            report["subject"] = f"CN={words[0]}.lab.test"
            report["verified"] = "self signed"
        # 0.38 trims the report's own prefix from the JSON keys; 0.37 kept `ssl-`.
        prefix = "" if vtuple() >= (0, 38, 0) else "ssl-"
        print(json.dumps({prefix + k: v for k, v in report.items()}, sort_keys=True, separators=(",", ":")))
    elif cmd == "domains:report" and words:
        load(words[0])
        vhosts = json.load(open(f"{ROOT}/domains.json")).get(words[0], "")
        print(json.dumps({"domains-app-enabled": "true", "domains-app-vhosts": vhosts, "domains-global-enabled": "true",
                          "domains-global-vhosts": ""}, sort_keys=True, separators=(",", ":")))
    elif cmd == "plugin:installed" and words:
        sys.exit(0 if os.path.exists(f"{ROOT}/services/{words[0]}.json") or os.path.exists(f"{ROOT}/plugins/{words[0]}") else 1)
    elif cmd == "letsencrypt:active" and words and os.path.exists(f"{ROOT}/plugins/letsencrypt"):
        load(words[0])
        print(str(os.path.exists(f"{ROOT}/letsencrypt/{words[0]}")).lower())
    elif ":" in cmd and cmd.split(":")[0] in services() and cmd.split(":")[1] in ("list", "links"):
        plugin, sub = cmd.split(":")
        known = json.load(open(f"{ROOT}/services/{plugin}.json"))
        if sub == "list":
            if not quiet:
                print(f"=====> {plugin.capitalize()} services")
            for name in sorted(known):
                print(name)
        else:
            if not words or words[0] not in known:
                fail(f"{plugin.capitalize()} service {words[0] if words else ''} does not exist")
            for app in known[words[0]]:
                print(app)
    elif cmd == "ps:inspect" and words:
        # scheduler-docker-local's scheduler-inspect: `docker container inspect` of the dynos,
        # every env value masked but those of its allowed prefixes.
        load(words[0])
        allowed = ("CACHE_PATH=", "DOCKER_", "DOKKU_", "DYNO=", "PATH=", "PORT=", "USER=")
        data = [client().api.inspect_container(c.id) for _, c in dyno_list(words[0])]
        for c in data:
            c["Config"]["Env"] = [e if e.startswith(allowed) else e.split("=", 1)[0] + "=XXXXXX" for e in c["Config"]["Env"] or []]
        print(json.dumps(data, sort_keys=True, indent=4))
    elif cmd == "logs" and args:
        logs(args)
    elif cmd == "enter" and args:
        enter(args)
    elif ":" in cmd and cmd.split(":")[0] in services() and cmd.split(":")[1] == "info" and words:
        plugin = cmd.split(":")[0]
        if words[0] not in json.load(open(f"{ROOT}/services/{plugin}.json")):
            fail(f"{plugin.capitalize()} service {words[0]} does not exist")
        try:
            status = client().containers.get(f"dokku.{plugin}.{words[0]}").status
        except docker.errors.NotFound:
            status = "missing"
        if "--status" in flags:
            print(status)
        else:
            print(f"=====> {words[0]} {plugin} service information")
            print(f"       {'Status:':<20}{status}")
    elif cmd == "standin:boot":
        # lab.sh, once the engine is up: the dokku user in the group of the engine's socket
        # (Dokku's installer puts it in docker's), blog deployed if it is not, and what a deploy
        # and a `dokku run` leave behind that are not dynos.
        if os.geteuid() == 0:
            gid = os.stat("/run/docker.sock").st_gid
            if gid not in os.getgrouplist("dokku", pwd.getpwnam("dokku").pw_gid):
                import grp
                try:
                    name = grp.getgrgid(gid).gr_name
                except KeyError:
                    name = "docker-engine"
                    subprocess.run(["groupadd", "-g", str(gid), name], check=True)
                subprocess.run(["usermod", "-aG", name, "dokku"], check=True)
            as_dokku()
        existing = dyno_containers("blog")
        # Deployed by an older stand-in (the engine outlives a re-provisioned lab-2): again.
        stale = any(c.attrs["Config"]["Cmd"][-1] != COMMANDS.get(c.labels.get("com.dokku.process-type"), "")
                    for n, c in existing.items() if len(n.split(".")) == 3)
        if "blog.web.1" not in existing or stale:
            deploy("blog")
        dc = client()
        names = {c.name for c in dc.containers.list(all=True)}
        labels = {"com.dokku.app-name": "blog", "com.dokku.process-type": "web", "com.dokku.dyno": "web.1",
                  "com.dokku.container-type": "deploy", "com.dokku.image-stage": "release"}
        if "blog.web.1.upcoming-4242" not in names:
            dc.containers.create(IMAGE, ["/bin/true"], name="blog.web.1.upcoming-4242", labels=labels)
        if "dokku.redis.blog-cache" not in names:
            dc.containers.run(IMAGE, ["redis-server", "--port", "6379", "--protected-mode", "no", "--requirepass", "blogpass"],
                              name="dokku.redis.blog-cache", detach=True, init=True, restart_policy={"Name": "always"},
                              labels={"dokku": "service", "dokku.service": "redis"})
        if "blog.run.7001" not in names:
            dc.containers.run(IMAGE, ["sleep", "infinity"], name="blog.run.7001", detach=True, init=True,
                              labels={"com.dokku.app-name": "blog", "com.dokku.container-type": "run"})
    else:
        fail(f"`{cmd}` is not a dokku command.\n !     See `dokku help` for a list of available commands.")

if __name__ == "__main__":
    entry(sys.argv[1:])
PY
  chmod 755 /usr/local/bin/dokku
  # Dokku's own user: its home is DOKKU_ROOT, and every login with a key runs Dokku's forced
  # command, in the form sshcommand writes to authorized_keys (the lab's key, as `fleet`).
  id dokku >/dev/null 2>&1 || useradd --no-create-home --home-dir /home/dokku --shell /bin/bash dokku
  mkdir -p /home/dokku/.ssh
  echo /usr/local/bin/dokku >/home/dokku/.sshcommand
  key=$(grep -m1 '^ssh-' /root/.ssh/authorized_keys)
  printf 'command="FINGERPRINT=SHA256:fleetlab NAME=\\"fleet\\" `cat /home/dokku/.sshcommand` $SSH_ORIGINAL_COMMAND",no-agent-forwarding,no-user-rc,no-X11-forwarding,no-port-forwarding %s\n' "$key" >/home/dokku/.ssh/authorized_keys
  chmod 700 /home/dokku/.ssh && chmod 600 /home/dokku/.ssh/authorized_keys
  chown -R dokku: /home/dokku /var/lib/dokku-standin
}

case "$ROLE" in
  lab-1)
    make_app shop
    app_unit shop-web.service shop web
    app_unit shop-worker.service shop worker
    app_unit shop-clock.service shop clock
    make_app ledger 8081
    # ledger-web fails on start: the app with a failed unit.
    cat >/srv/ledger/bin/run <<'RUN'
#!/bin/sh
echo "ledger: could not connect to the database" >&2
exit 1
RUN
    app_unit ledger-web.service ledger web
    # ledger-report: a scheduled job (ledger-report.timer) whose runs fail. It fires once soon
    # after boot, so it has a last run, and nightly after that.
    app_unit ledger-report.service ledger report 'Type=oneshot'
    cat >/etc/systemd/system/ledger-report.timer <<'UNIT'
[Unit]
Description=ledger report, nightly (fleet lab)

[Timer]
OnActiveSec=1s
OnCalendar=*-*-* 04:00:00

[Install]
WantedBy=timers.target
UNIT
    # flood: logs as fast as it can; installed but not started (benches/logs.sh starts it).
    # Per-unit LogRateLimitIntervalSec needs cgroup xattrs, which these containers lack, so
    # lab-1's journald has no rate limit at all.
    mkdir -p /etc/systemd/journald.conf.d
    printf '[Journal]\nRateLimitIntervalSec=0\n' >/etc/systemd/journald.conf.d/lab.conf
    systemctl restart systemd-journald
    make_app flood 8084
    cat >/srv/flood/bin/run <<'RUN'
#!/bin/bash
i=0
while :; do i=$((i + 1)); echo "flood line $i with some padding to look like a real log line"; done
RUN
    app_unit flood-web.service flood web 'LogRateLimitIntervalSec=0'
    # The front door: nginx routes shop.lab.test to the shop app's port.
    cat >/etc/nginx/sites-enabled/shop <<'NGINX'
server {
    listen 80;
    server_name shop.lab.test www.shop.lab.test;
    location / {
        proxy_pass http://127.0.0.1:8080;
    }
}
NGINX
    # shop.lab.test: served over TLS with a certificate that expires in 10 days (inside the
    # default 21-day warning).
    tls_site shop.lab.test 10 8080
    # ledger.lab.test: a certificate that expired 30 days ago, still served.
    tls_site ledger.lab.test 0 8081 expired
    systemctl reload nginx || true
    # notes: a mailer unit here; its web, worker and others are compose services on lab-2.
    make_app notes 8086
    app_unit notes-mailer.service notes mailer
    units="shop-web shop-worker shop-clock ledger-web acme-agent notes-mailer"
    supervisor_apps
    ;;
  lab-2)
    # ticker: counts as it logs, so tests can prove no line is lost or repeated.
    make_app ticker 8083
    cat >/srv/ticker/bin/run <<'RUN'
#!/bin/bash
# ticker-web never listens on its PORT (8083): the web process that runs but serves no one.
i=0
while :; do
  i=$((i + 1))
  echo "seq $i"
  sleep 0.05
done
RUN
    app_unit ticker-web.service ticker web
    # A second login for the log-follow test, whose sessions it kills without touching root's.
    # (and one for the forward test, whose sessions it kills in turn)
    for u in logreader tunnel; do
      id "$u" >/dev/null 2>&1 || useradd --create-home --groups systemd-journal --shell /bin/bash "$u"
      mkdir -p "/home/$u/.ssh" && cp /root/.ssh/authorized_keys "/home/$u/.ssh/" && chown -R "$u:" "/home/$u/.ssh"
    done
    # A health URL that answers on lab-2 only, for the rollout test that must stop at lab-1.
    echo ok >/var/www/html/only-on-lab-2
    # billing.lab.test: nginx serves a 5-day certificate; the file on disk is then renewed
    # (90 days) without a reload, so what is served is older than what is on disk.
    tls_site billing.lab.test 5 8082
    # ticker.lab.test: a healthy 200-day certificate.
    tls_site ticker.lab.test 200 8083
    systemctl reload nginx
    sleep 1
    live=/etc/letsencrypt/live/billing.lab.test
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$live/privkey.pem.new" \
      -out "$live/fullchain.pem.new" -days 90 -subj "/CN=billing.lab.test" -addext "subjectAltName=DNS:billing.lab.test" 2>/dev/null
    mv "$live/privkey.pem.new" "$live/privkey.pem"; mv "$live/fullchain.pem.new" "$live/fullchain.pem"
    make_app shop
    app_unit shop-web.service shop web
    app_unit shop-worker.service shop worker
    make_app billing 8082
    # A templated app: billing@web, billing@worker from one billing@.service.
    app_unit 'billing@.service' billing '%i'
    # relay-worker dies a second after it starts and systemd restarts it, forever: the
    # restart loop (no start limit, so systemd never gives up and marks it failed).
    make_app relay
    cat >/srv/relay/bin/run <<'RUN'
#!/bin/sh
echo "relay: lost the connection to the queue" >&2
sleep 1
exit 1
RUN
    app_unit relay-worker.service relay worker 'Restart=always' 'RestartSec=2'
    sed -i 's/^\[Unit\]$/[Unit]\nStartLimitIntervalSec=0/' /etc/systemd/system/relay-worker.service
    # /srv/data: a small disk (a tmpfs) filled to 95 %, past the 90 % critical threshold.
    mkdir -p /srv/data
    mountpoint -q /srv/data || mount -t tmpfs -o size=8m tmpfs /srv/data
    rm -f /srv/data/fill && dd if=/dev/zero of=/srv/data/fill bs=1k count=7800 status=none
    units="shop-web shop-worker billing@web billing@worker acme-agent ticker-web relay-worker"
    pay_on_lab_2
    dokku_standin
    # lab-2's Docker Engine (a dockerd of the lab machine in this droplet's network namespace,
    # see lab.sh): its socket is bound in at /srv/engine, and found where Docker puts it.
    ln -sf /srv/engine/docker.sock /run/docker.sock
    # The compose project "notes" (the same app as lab-1's notes-mailer unit). lab.sh runs
    # `docker-compose up -d --scale web=2` here once the engine is up. No bind mounts: the engine
    # runs on the lab machine, where this droplet's paths do not exist.
    mkdir -p /srv/notes
    cat >/srv/notes/notes.env <<'ENV'
# notes environment (fleet lab): compose's env_file for web and worker
REDIS_URL=redis://redis:6379/0
SECRET_KEY=lab-notes-not-a-secret
NOTES_TITLE=Lab notes
ENV
    cat >/srv/notes/docker-compose.yml <<'COMPOSE'
version: "2.4"
services:
  web:
    image: fleet-app:lab
    command: ["python3", "-m", "http.server", "8000"]
    env_file: notes.env
    environment:
      PORT: "8000"
    ports: ["127.0.0.1::8000"]
    restart: unless-stopped
    healthcheck:
      test: ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/')"]
      interval: 2s
      # Generous: the probes share the lab machine's cores with the build and the tests.
      timeout: 10s
      retries: 3
  worker:
    image: fleet-app:lab
    # stdout and stderr, and escape sequences a terminal would obey (colour, a window title).
    command: ["sh", "-c", "i=0; while :; do i=$$((i+1)); echo \"worker tick $$i\"; printf '\\033[31mworker alert\\033[0m \\033]0;pwned\\007 %s\\n' $$i >&2; sleep 2; done"]
    env_file: notes.env
    # An init as PID 1, so a stop's SIGTERM ends the shell at once (not after the 10 s timeout).
    init: true
    restart: unless-stopped
  console:
    image: fleet-app:lab
    tty: true
    command: ["sh", "-c", "while :; do echo \"console line $$(date +%s)\"; sleep 3; done"]
    init: true
    restart: unless-stopped
  sick:
    image: fleet-app:lab
    command: ["sleep", "infinity"]
    init: true
    restart: unless-stopped
    healthcheck:
      test: ["CMD", "sh", "-c", "echo cannot reach the upstream >&2; exit 1"]
      interval: 2s
      # Generous: the probes share the lab machine's cores with the build and the tests.
      timeout: 10s
      retries: 2
  redis:
    image: fleet-app:lab
    command: ["redis-server", "--protected-mode", "no", "--save", "", "--appendonly", "no"]
    restart: unless-stopped
COMPOSE
    ;;
  bench)
    systemctl disable --now postgresql redis-server nginx >/dev/null 2>&1 || true
    make_app bench 8085
    app_unit bench-web.service bench web
    units="bench-web"
    ;;
  *) echo "unknown ROLE $ROLE" >&2; exit 1 ;;
esac

systemctl daemon-reload
for u in $units; do systemctl enable "$u.service" >/dev/null 2>&1 || true; done
# ledger-web is expected to fail; start the rest and don't stop on its failure.
for u in $units; do systemctl start "$u.service" || true; done
if [ -f /etc/systemd/system/ledger-report.timer ]; then
  systemctl enable --now ledger-report.timer >/dev/null 2>&1
  # Wait for its first run to end (it fails), so every test sees the same last run.
  for _ in $(seq 1 20); do [ "$(systemctl is-active ledger-report.service)" = failed ] && break; sleep 0.5; done
fi
systemctl is-active shop-web.service bench-web.service 2>/dev/null | grep -q active || true
