#!/usr/bin/env bash
# The test lab: real Debian "droplets" (systemd, sshd, journald, node_exporter, Redis, PostgreSQL,
# nginx) as Docker containers, reachable only on 127.0.0.1 ports. Idempotent: reuses a running
# dockerd, a cached image and running droplets whose provisioning matches this checkout.
#
#   tests/lab/lab.sh up      install what is missing, start dockerd, build/boot/provision the lab
#   tests/lab/lab.sh down    remove the lab's containers
#   tests/lab/lab.sh env     print the variables the tests read (FLEET_LAB_DIR)
#   tests/lab/lab.sh up-bench N   also boot N light droplets for the benchmark
#
# lab-2 has a Docker Engine of its own: a second dockerd on this machine, run inside lab-2's
# network namespace (so its bridges, published ports and container addresses are lab-2's, and it
# never touches the first dockerd's bridge), its socket bound into lab-2 at /srv/engine and
# linked from /var/run/docker.sock there. Compose runs inside lab-2, as on a droplet.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=${FLEET_LAB_DIR:-/var/tmp/fleet-lab}
PACKAGES=systemd,systemd-sysv,openssh-server,dbus,iproute2,procps,sudo,prometheus-node-exporter,redis-server,postgresql,nginx-light,openssl,docker-compose,supervisor
# The image tag follows the package list, so a changed list builds a new image and an unchanged one
# is never rebuilt.
IMAGE=fleet-lab:$(printf '%s' "$PACKAGES" | sha256sum | cut -c1-12)
DROPLETS=("lab-1:2201" "lab-2:2202")
DOWN_PORT=2209   # nothing listens here: the "host that is down"
LABEL=fleet-lab=1
ENGINE_DIR=$LAB_DIR/engine      # the second dockerd: sock/ (bound into lab-2), data/, dockerd.log
ENGINE_SOCK=$ENGINE_DIR/sock/docker.sock
ENGINE_IMAGE=fleet-app:lab      # the droplet image, loaded into that engine for its containers

log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

ensure_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v ssh-keyscan >/dev/null || missing+=(openssh-client)
  command -v tmux >/dev/null || missing+=(tmux)
  command -v prometheus >/dev/null || missing+=(prometheus)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
  fi
}

ensure_dockerd() {
  if docker info >/dev/null 2>&1; then return; fi
  log "starting dockerd (log: $LAB_DIR/dockerd.log)"
  mkdir -p "$LAB_DIR"
  nohup dockerd >"$LAB_DIR/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return
    sleep 1
  done
  tail -n 20 "$LAB_DIR/dockerd.log" >&2 || true
  die "dockerd did not answer within 60 s (see $LAB_DIR/dockerd.log)"
}

ensure_image() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then return; fi
  local rootfs=$LAB_DIR/rootfs
  log "building $IMAGE with debootstrap (about 70 s)"
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  debootstrap --variant=minbase --include="$PACKAGES" bookworm "$rootfs" >"$LAB_DIR/debootstrap.log" 2>&1 \
    || { tail -n 20 "$LAB_DIR/debootstrap.log" >&2; die "debootstrap failed (see $LAB_DIR/debootstrap.log)"; }
  # Debian's packaged redis unit fails in containers (217/USER) because of its sandboxing options.
  mkdir -p "$rootfs/etc/systemd/system/redis-server.service.d"
  cat >"$rootfs/etc/systemd/system/redis-server.service.d/lab.conf" <<'UNIT'
[Service]
PrivateUsers=no
ProtectSystem=no
ProtectHome=no
PrivateTmp=no
PrivateDevices=no
ReadWritePaths=
NoNewPrivileges=no
RestrictNamespaces=no
UNIT
  tar -C "$rootfs" -c . | docker import - "$IMAGE" >/dev/null
  rm -rf "$rootfs"
}

ensure_key() {
  mkdir -p "$LAB_DIR"; chmod 700 "$LAB_DIR"
  [ -f "$LAB_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C fleet-lab -f "$LAB_DIR/id_ed25519"
}

provision_hash() { cat "$here/provision.sh" "$LAB_DIR/id_ed25519.pub" | sha256sum | cut -c1-12; }

boot() { # NAME PORT ROLE
  local name=$1 port=$2 role=$3 want running hash
  hash=$(provision_hash)
  want="$IMAGE/$hash/$role"
  local extra=()
  if [ "$role" = lab-2 ]; then
    mkdir -p "$ENGINE_DIR/sock"
    extra=(-v "$ENGINE_DIR/sock:/srv/engine")
    want="$want/engine"
  fi
  running=$(docker inspect -f '{{.State.Running}} {{index .Config.Labels "fleet-lab-spec"}}' "$name" 2>/dev/null || true)
  if [ "$running" = "true $want" ]; then return; fi
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" --hostname "$name" --label "$LABEL" --label "fleet-lab-spec=$want" \
    -p "127.0.0.1:$port:22" --cap-add SYS_ADMIN --cap-add NET_ADMIN --security-opt seccomp=unconfined \
    --tmpfs /run --tmpfs /run/lock -v /sys/fs/cgroup:/sys/fs/cgroup:ro "${extra[@]}" "$IMAGE" /sbin/init >/dev/null
  local state=""
  for _ in $(seq 1 90); do
    state=$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) break ;; esac
    sleep 1
  done
  case "$state" in running|degraded) ;; *) die "$name did not boot (systemctl is-system-running: '$state')" ;; esac
  docker exec -i "$name" sh -c 'mkdir -p /root/.ssh && chmod 700 /root/.ssh && cat > /root/.ssh/authorized_keys' <"$LAB_DIR/id_ed25519.pub"
  docker exec -i "$name" env ROLE="$role" bash -s <"$here/provision.sh" >"$LAB_DIR/provision-$name.log" 2>&1 \
    || { tail -n 20 "$LAB_DIR/provision-$name.log" >&2; die "provisioning $name failed"; }
}

write_client_files() {
  local cfg=$LAB_DIR/ssh_config kh=$LAB_DIR/known_hosts
  : >"$kh.new"
  {
    echo "# generated by tests/lab/lab.sh"
    for d in "${DROPLETS[@]}" "${BENCH[@]}"; do
      local name=${d%%:*} port=${d##*:}
      printf 'Host %s\n  HostName 127.0.0.1\n  Port %s\n' "$name" "$port"
      for _ in $(seq 1 30); do
        ssh-keyscan -T 2 -t ed25519 -p "$port" 127.0.0.1 >>"$kh.new" 2>/dev/null && break
        sleep 1
      done
    done
    printf 'Host lab-2-reader\n  HostName 127.0.0.1\n  Port 2202\n  User logreader\n'
    printf 'Host lab-2-tunnel\n  HostName 127.0.0.1\n  Port 2202\n  User tunnel\n'
    # lab-2 as Dokku's own user (its forced command; see provision.sh).
    printf 'Host lab-2-dokku\n  HostName 127.0.0.1\n  Port 2202\n  User dokku\n'
    printf 'Host lab-down\n  HostName 127.0.0.1\n  Port %s\n' "$DOWN_PORT"
    # lab-2 reached through lab-1 (ProxyJump), at lab-2's address on the lab's docker bridge.
    local ip2
    ip2=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' lab-2)
    printf 'Host lab-2-via-jump\n  HostName %s\n  Port 22\n  ProxyJump lab-1\n' "$ip2"
    grep '^\[127.0.0.1\]:2202 ' "$kh.new" | sed "s/^\[127.0.0.1\]:2202 /$ip2 /" >>"$kh.new.jump" || true
    printf 'Host lab-*\n  User root\n  IdentityFile %s/id_ed25519\n  IdentitiesOnly yes\n' "$LAB_DIR"
    printf '  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n  ConnectTimeout 5\n' "$kh"
  } >"$cfg"
  cat "$kh.new.jump" >>"$kh.new" 2>/dev/null || true
  rm -f "$kh.new.jump"
  mv "$kh.new" "$kh"
}

# A real Prometheus server scraping the droplets' node_exporters every 2 s, for the
# Prometheus-as-source tests. It listens on the docker bridge's gateway address only, so both
# this machine and the droplets (the `via` test) reach it, and nothing else does. A running one
# is told to reload (SIGHUP): droplets that were re-created have new addresses.
ensure_prometheus() {
  local gw cfg=$LAB_DIR/prometheus.yml pid
  gw=$(docker network inspect bridge -f '{{(index .IPAM.Config 0).Gateway}}')
  # A dockerd that made docker0 itself (a fresh machine) leaves Gateway out of the IPAM config:
  # the bridge's own address is the gateway then.
  [ -n "$gw" ] || gw=$(ip -o -4 addr show docker0 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n1)
  [ -n "$gw" ] || die "no gateway address on docker's bridge network"
  {
    printf 'global:\n  scrape_interval: 2s\n  evaluation_interval: 2s\nscrape_configs:\n  - job_name: node\n    static_configs:\n'
    for d in "${DROPLETS[@]}"; do
      local name=${d%%:*} ip
      ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name")
      printf "      - targets: ['%s:9100']\n        labels: {instance: '%s'}\n" "$ip" "$name"
    done
  } >"$cfg"
  echo "http://$gw:19090" >"$LAB_DIR/prometheus.url"
  pid=$(cat "$LAB_DIR/prometheus.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "$gw:19090" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -HUP "$pid"
    return
  fi
  log "starting prometheus on $gw:19090 (log: $LAB_DIR/prometheus.log)"
  nohup prometheus --config.file="$cfg" --web.listen-address="$gw:19090" --storage.tsdb.path="$LAB_DIR/prometheus-data" \
    --storage.tsdb.retention.time=1d >"$LAB_DIR/prometheus.log" 2>&1 &
  echo $! >"$LAB_DIR/prometheus.pid"
  for _ in $(seq 1 30); do
    (exec 3<>"/dev/tcp/$gw/19090") 2>/dev/null && return
    sleep 1
  done
  tail -n 20 "$LAB_DIR/prometheus.log" >&2 || true
  die "prometheus did not listen on $gw:19090 within 30 s (see $LAB_DIR/prometheus.log)"
}

engine() { docker -H "unix://$ENGINE_SOCK" "$@"; }

# The second dockerd, in lab-2's network namespace. One already running in lab-2's current
# namespace is kept (a re-created lab-2 has a new one: the old engine is stopped and started anew;
# its containers come back by their restart policy).
ensure_engine() {
  local pid netns epid
  pid=$(docker inspect -f '{{.State.Pid}}' lab-2)
  netns=$(readlink "/proc/$pid/ns/net")
  epid=$(cat "$ENGINE_DIR/dockerd.pid" 2>/dev/null || true)
  if [ -n "$epid" ] && kill -0 "$epid" 2>/dev/null; then
    if [ "$(readlink "/proc/$epid/ns/net")" = "$netns" ] && engine info >/dev/null 2>&1; then return; fi
    log "stopping the engine of an earlier lab-2"
    kill "$epid"
    for _ in $(seq 1 30); do kill -0 "$epid" 2>/dev/null || break; sleep 1; done
  fi
  rm -f "$ENGINE_SOCK"
  mkdir -p "$ENGINE_DIR/data"
  log "starting lab-2's Docker Engine (log: $ENGINE_DIR/dockerd.log)"
  nohup nsenter --net="/proc/$pid/ns/net" dockerd --data-root "$ENGINE_DIR/data" --exec-root /run/fleet-lab-engine \
    --pidfile "$ENGINE_DIR/dockerd.pid" -H "unix://$ENGINE_SOCK" --bridge=none --iptables=false --ip6tables=false \
    --cgroup-parent fleet-lab-engine >"$ENGINE_DIR/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    engine info >/dev/null 2>&1 && return
    sleep 1
  done
  tail -n 20 "$ENGINE_DIR/dockerd.log" >&2 || true
  die "lab-2's dockerd did not answer within 60 s (see $ENGINE_DIR/dockerd.log)"
}

# What runs on lab-2's engine: the compose project "notes" (web×2, worker, a TTY console, a
# container whose HEALTHCHECK fails, redis), started by lab-2's own docker-compose, and a
# container labelled for a home-made orchestrator (fleet.app=relay).
ensure_containers() {
  if ! engine image inspect "$ENGINE_IMAGE" >/dev/null 2>&1; then
    log "loading $IMAGE into lab-2's engine as $ENGINE_IMAGE (about 40 s, once)"
    docker save "$IMAGE" | engine load >/dev/null
    engine tag "$IMAGE" "$ENGINE_IMAGE"
  fi
  docker exec lab-2 sh -c 'cd /srv/notes && docker-compose up -d --scale web=2' >"$LAB_DIR/compose-lab-2.log" 2>&1 \
    || { tail -n 20 "$LAB_DIR/compose-lab-2.log" >&2; die "docker-compose up on lab-2 failed (see $LAB_DIR/compose-lab-2.log)"; }
  # notes-counter joins the compose app notes by its labels; it counts ten lines a second for
  # the follow tests (its log capped, so it never fills the disk).
  if ! engine inspect notes-counter >/dev/null 2>&1; then
    engine run -d --init --name notes-counter --label fleet.app=notes --label fleet.process=counter --restart unless-stopped \
      --log-opt max-size=1m --log-opt max-file=2 \
      "$ENGINE_IMAGE" sh -c 'i=0; while :; do i=$((i+1)); echo "seq $i"; sleep 0.1; done' >/dev/null
  fi
  # Dokku's app blog (the stand-in deploys it as Dokku's scheduler would; see provision.sh).
  docker exec lab-2 dokku standin:boot >"$LAB_DIR/dokku-lab-2.log" 2>&1 \
    || { tail -n 20 "$LAB_DIR/dokku-lab-2.log" >&2; die "the Dokku stand-in on lab-2 failed (see $LAB_DIR/dokku-lab-2.log)"; }
  if ! engine inspect relay-agent >/dev/null 2>&1; then
    engine run -d --init --name relay-agent --label fleet.app=relay --label fleet.process=agent --restart unless-stopped \
      "$ENGINE_IMAGE" sh -c 'while :; do echo "agent: relayed $(date +%s)"; sleep 5; done' >/dev/null
  fi
}

BENCH=()
cmd=${1:-up}
case "$cmd" in
  up|up-bench)
    if [ "$cmd" = up-bench ]; then
      n=${2:-20}
      for i in $(seq 1 "$n"); do BENCH+=("lab-bench-$i:$((2300 + i))"); done
    fi
    ensure_packages; ensure_dockerd; ensure_image; ensure_key
    for d in "${DROPLETS[@]}"; do boot "${d%%:*}" "${d##*:}" "${d%%:*}"; done
    for d in "${BENCH[@]}"; do boot "${d%%:*}" "${d##*:}" bench; done
    write_client_files
    ensure_engine
    ensure_containers
    ensure_prometheus
    log "up: ${DROPLETS[*]} ${BENCH[*]} (ssh -F $LAB_DIR/ssh_config lab-1)"
    ;;
  down)
    docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null
    epid=$(cat "$ENGINE_DIR/dockerd.pid" 2>/dev/null || true)
    if [ -n "$epid" ]; then kill "$epid" 2>/dev/null || true; fi
    ;;
  env) echo "FLEET_LAB_DIR=$LAB_DIR" ;;
  *) die "usage: $0 up|down|env|up-bench N" ;;
esac
