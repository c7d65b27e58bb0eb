#!/usr/bin/env bash
# Lotline local infrastructure: a single-node Kafka (KRaft, from Maven jars) and a PostgreSQL 15
# dev/test cluster, both on loopback, both run as plain background processes (no Docker).
#
#   deploy/infra.sh fetch                          download the Kafka jars into .cache/kafka-libs
#   deploy/infra.sh start  [kafka|postgres|all]    start (idempotent; waits until ready)
#   deploy/infra.sh stop   [kafka|postgres|all]    stop (idempotent)
#   deploy/infra.sh status [kafka|postgres|all]    one line each; exit 0 if all running, 3 otherwise
#   deploy/infra.sh reset                          stop everything and delete all data
#   deploy/infra.sh cluster start|stop|status      a three-node replicated cluster (deploy/kafka_cluster.py)
#
# Environment: LOTLINE_KAFKA_PORT (19092), LOTLINE_KAFKA_CONTROLLER_PORT (19093),
#              LOTLINE_PG_PORT (55432), LOTLINE_RUN_DIR (<repo>/.run),
#              LOTLINE_PG_DURABLE (1: PostgreSQL keeps every commit it acknowledged; 0: fsync
#              and synchronous commit off, for the test suite's speed only — `make test`).
#              LOTLINE_KAFKA_JAVA_OPTS (more JVM options for the broker; `make test` passes
#              -XX:TieredStopAtLevel=1: a short run never earns back the optimising JIT's warm-up).
set -euo pipefail

# --------------------------------------------------------------------------- settings

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEPLOY_DIR="$ROOT/deploy"
LIBS_DIR="$ROOT/.cache/kafka-libs"
RUN_DIR="${LOTLINE_RUN_DIR:-$ROOT/.run}"
case "$RUN_DIR" in /*) ;; *) RUN_DIR="$PWD/$RUN_DIR" ;; esac

KAFKA_VERSION="4.4.0"
KAFKA_JAR="kafka_2.13-$KAFKA_VERSION.jar"
FETCH_MARKER=".fetched-$KAFKA_VERSION"  # written only after a complete, successful fetch
KAFKA_PORT="${LOTLINE_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${LOTLINE_KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_START_TIMEOUT=60
KAFKA_STOP_TIMEOUT=30

PG_VERSION=15
PG_PORT="${LOTLINE_PG_PORT:-55432}"
PG_DURABLE="${LOTLINE_PG_DURABLE:-1}"
PG_START_TIMEOUT=60
PG_STOP_TIMEOUT=30

# --------------------------------------------------------------------------- helpers

log() { printf '%s\n' "$*"; }
err() { printf 'infra: error: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Alive and not a zombie (a reparented process may linger unreaped as a zombie).
pid_alive() {
    local pid="$1" state
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
    [ "$state" != "Z" ]
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

check_port_number() {
    local name="$1" value="$2"
    case "$value" in
        '' | *[!0-9]*) die "$name must be a port number, got '$value'" ;;
    esac
    [ "$value" -ge 1 ] && [ "$value" -le 65535 ] || die "$name must be in 1..65535, got '$value'"
}

# Serialise start/stop/reset between concurrent callers. The lock fd (9) is closed in every
# long-running child we launch, so the servers never hold it.
take_lock() {
    mkdir -p "$RUN_DIR"
    exec 9>"$RUN_DIR/.infra.lock"
    flock -w 180 9 || die "another deploy/infra.sh is still running (lock $RUN_DIR/.infra.lock)"
}

# --------------------------------------------------------------------------- prerequisites

java_major_version() {
    # `java -version` prints e.g.: openjdk version "17.0.15" 2025-04-15   or   java version "1.8.0_392"
    local line ver
    line="$(java -version 2>&1 | head -n 1)"
    ver="$(printf '%s\n' "$line" | sed -n 's/.*version "\([^"]*\)".*/\1/p')"
    case "$ver" in
        1.*) ver="${ver#1.}" ;;
    esac
    printf '%s\n' "${ver%%[!0-9]*}"
}

require_java() {
    command -v java >/dev/null 2>&1 ||
        die "'java' not found on PATH: Kafka $KAFKA_VERSION needs a Java 17+ runtime (e.g. apt-get install -y openjdk-17-jre-headless)"
    local major
    major="$(java_major_version)"
    [ -n "$major" ] || die "could not read the Java version from 'java -version'"
    [ "$major" -ge 17 ] ||
        die "Java $major found ($(command -v java)), but Kafka $KAFKA_VERSION needs Java 17 or newer"
}

require_mvn() {
    command -v mvn >/dev/null 2>&1 ||
        die "'mvn' (Apache Maven) not found on PATH: it is needed to download the Kafka jars (e.g. apt-get install -y maven)"
}

# --------------------------------------------------------------------------- fetch

cmd_fetch() {
    require_java
    if [ -f "$LIBS_DIR/$FETCH_MARKER" ]; then
        log "fetch: Kafka jars already in $LIBS_DIR (delete that folder to re-fetch)"
        return 0
    fi
    require_mvn
    log "fetch: downloading Kafka $KAFKA_VERSION jars with Maven into $LIBS_DIR ..."
    mkdir -p "$LIBS_DIR"
    # Maven's output goes to a log (Debian's Maven 3.8 prints stray colour codes even with -B -q).
    local mvn_log="$ROOT/.cache/kafka-fetch.log"
    if ! mvn -B -q -f "$DEPLOY_DIR/kafka/pom.xml" dependency:copy-dependencies -Dlibs.dir="$LIBS_DIR" \
        >"$mvn_log" 2>&1; then
        cat "$mvn_log" >&2
        die "mvn dependency:copy-dependencies failed (output above, $mvn_log)"
    fi
    [ -f "$LIBS_DIR/$KAFKA_JAR" ] || die "Maven finished but $LIBS_DIR/$KAFKA_JAR is missing"
    # The SLF4J binding in pom.xml must match the slf4j-api major version, or the broker logs nothing.
    if ls "$LIBS_DIR"/slf4j-api-2.* >/dev/null 2>&1 && [ -f "$LIBS_DIR"/log4j-slf4j-impl-*.jar ]; then
        err "slf4j-api 2.x was copied but pom.xml binds SLF4J 1.x (log4j-slf4j-impl): switch it to log4j-slf4j2-impl"
    fi
    touch "$LIBS_DIR/$FETCH_MARKER"
    log "fetch: done ($(find "$LIBS_DIR" -name '*.jar' | wc -l) jars)"
}

# --------------------------------------------------------------------------- kafka

KAFKA_DIR="$RUN_DIR/kafka"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOGS="$KAFKA_DIR/logs"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_PIDFILE="$KAFKA_DIR/kafka.pid"
KAFKA_FORMAT_INFO="$KAFKA_DIR/formatted-with"

kafka_java_opts() {
    local -a extra=()
    [ -z "${LOTLINE_KAFKA_JAVA_OPTS:-}" ] || read -r -a extra <<<"$LOTLINE_KAFKA_JAVA_OPTS"
    printf '%s\n' \
        -Xms512m -Xmx512m \
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 \
        -Djava.awt.headless=true \
        ${extra[@]+"${extra[@]}"} \
        "-Dkafka.logs.dir=$KAFKA_LOGS" \
        "-Dlog4j2.configurationFile=$DEPLOY_DIR/kafka/log4j2.properties" \
        -cp "$LIBS_DIR/*"
}

# Prints the broker's pid if it is running (and removes a stale pid file).
kafka_pid() {
    local pid
    [ -f "$KAFKA_PIDFILE" ] || return 1
    pid="$(cat "$KAFKA_PIDFILE" 2>/dev/null || true)"
    if pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'; then
        printf '%s\n' "$pid"
        return 0
    fi
    rm -f "$KAFKA_PIDFILE"
    return 1
}

kafka_render_config() {
    sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
        -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
        -e "s|@DATA_DIR@|$KAFKA_DATA|g" \
        "$DEPLOY_DIR/kafka/server.properties.template" >"$KAFKA_PROPS"
}

kafka_new_cluster_id() {
    # Kafka's Uuid string form is the unpadded URL-safe base64 of 16 random bytes; never one
    # starting with "-" (the storage tool would read it as an option): deploy/kafka_cluster.py
    if command -v python3 >/dev/null 2>&1; then
        python3 "$ROOT/deploy/kafka_cluster.py" new-cluster-id
    else
        local -a opts
        mapfile -t opts < <(kafka_java_opts)
        java "${opts[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1
    fi
}

# Formats the storage once; later starts reuse it.
kafka_format_storage() {
    if [ -f "$KAFKA_DATA/meta.properties" ]; then
        # With a dynamic quorum the controller's endpoint is stored in the metadata log at format time.
        # A single node still starts and serves clients after a controller port change (tested), but
        # the recorded voter endpoint stays stale, so say so.
        local formatted_port
        formatted_port="$(sed -n 's/^controller_port=//p' "$KAFKA_FORMAT_INFO" 2>/dev/null || true)"
        if [ -n "$formatted_port" ] && [ "$formatted_port" != "$KAFKA_CONTROLLER_PORT" ]; then
            log "kafka: warning: storage was formatted with controller port $formatted_port, now $KAFKA_CONTROLLER_PORT; the recorded voter endpoint is stale ('deploy/infra.sh reset' re-formats)"
        fi
        return 0
    fi
    local cluster_id
    local -a opts
    cluster_id="$(kafka_new_cluster_id)"
    [ -n "$cluster_id" ] || die "could not generate a Kafka cluster id"
    log "kafka: formatting storage in $KAFKA_DATA (cluster id $cluster_id)"
    mkdir -p "$KAFKA_DATA"
    mapfile -t opts < <(kafka_java_opts)
    if ! java "${opts[@]}" kafka.tools.StorageTool format --standalone \
        -t "$cluster_id" -c "$KAFKA_PROPS" >"$KAFKA_LOGS/format.log" 2>&1; then
        cat "$KAFKA_LOGS/format.log" >&2
        die "formatting the Kafka storage failed (log above, $KAFKA_LOGS/format.log)"
    fi
    printf 'cluster_id=%s\ncontroller_port=%s\n' "$cluster_id" "$KAFKA_CONTROLLER_PORT" >"$KAFKA_FORMAT_INFO"
}

kafka_fail_start() {
    local msg="$1" f
    err "$msg"
    for f in "$KAFKA_LOGS/server.log" "$KAFKA_LOGS/stdout.log"; do
        if [ -s "$f" ]; then
            printf -- '----- last lines of %s -----\n' "$f" >&2
            tail -n 40 "$f" >&2
        fi
    done
    exit 1
}

kafka_start() {
    local pid
    if pid="$(kafka_pid)"; then
        log "kafka: already running (pid $pid, port $KAFKA_PORT)"
        return 0
    fi
    require_java
    [ -f "$LIBS_DIR/$FETCH_MARKER" ] || cmd_fetch
    local port
    for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
        ! port_open "$port" || die "port $port on 127.0.0.1 is already in use by another process (see: ss -ltnp 'sport = :$port'); pick other ports with LOTLINE_KAFKA_PORT / LOTLINE_KAFKA_CONTROLLER_PORT"
    done

    mkdir -p "$KAFKA_DATA" "$KAFKA_LOGS"
    kafka_render_config
    # Keep the previous run's logs once, so the readiness check only sees this run's lines.
    local f
    for f in server.log stdout.log; do
        [ ! -f "$KAFKA_LOGS/$f" ] || mv -f "$KAFKA_LOGS/$f" "$KAFKA_LOGS/$f.prev"
    done
    kafka_format_storage

    log "kafka: starting on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT) ..."
    local started_at=$SECONDS
    local -a opts
    mapfile -t opts < <(kafka_java_opts)
    # setsid + nohup: own session, immune to the caller's SIGHUP; the inner shell writes its own pid
    # and exec's java, so the pid file holds the JVM's pid.
    setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$KAFKA_PIDFILE" \
        java "${opts[@]}" kafka.Kafka "$KAFKA_PROPS" \
        </dev/null >"$KAFKA_LOGS/stdout.log" 2>&1 9>&- &
    local launcher=$!

    # Readiness: the broker logged "Kafka Server started" AND the broker port accepts connections.
    local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
    pid=""
    while :; do
        [ -n "$pid" ] || pid="$(cat "$KAFKA_PIDFILE" 2>/dev/null || true)"
        if [ -z "$pid" ] && ! pid_alive "$launcher"; then
            kafka_fail_start "kafka: the launcher (setsid/nohup/bash) exited before starting java"
        fi
        if [ -n "$pid" ] && ! pid_alive "$pid"; then
            rm -f "$KAFKA_PIDFILE"
            kafka_fail_start "kafka: the broker process exited during startup"
        fi
        if [ -n "$pid" ] && grep -q 'Kafka Server started' "$KAFKA_LOGS/server.log" 2>/dev/null &&
            port_open "$KAFKA_PORT"; then
            break
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            # Do not leave a half-started broker behind: a later 'start' would call it running.
            kafka_stop >&2
            kafka_fail_start "kafka: not ready after ${KAFKA_START_TIMEOUT}s; stopped it again"
        fi
        sleep 0.25
    done
    log "kafka: running (pid $pid, port $KAFKA_PORT), ready in $((SECONDS - started_at))s; logs in $KAFKA_LOGS"
}

kafka_stop() {
    local pid
    if ! pid="$(kafka_pid)"; then
        log "kafka: not running"
        return 0
    fi
    log "kafka: stopping pid $pid ..."
    kill -TERM "$pid" 2>/dev/null || true # controlled shutdown via the JVM shutdown hook
    local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
    while pid_alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.25
    done
    if pid_alive "$pid"; then
        log "kafka: still running after ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
    fi
    rm -f "$KAFKA_PIDFILE"
    log "kafka: stopped"
}

kafka_status() {
    local pid
    if pid="$(kafka_pid)"; then
        log "kafka: running (pid $pid, port $KAFKA_PORT)"
    else
        log "kafka: stopped"
        return 3
    fi
}

# --------------------------------------------------------------------------- postgres

PG_DIR="$RUN_DIR/pg"
PG_DATA="$PG_DIR/data"
PG_LOGDIR="$PG_DIR/log"
PG_SOCKDIR="$PG_DIR/sock"
PG_BIN=""

# Debian keeps initdb/pg_ctl off PATH; locate them (installing the package if needed).
pg_find_bin() {
    [ -z "$PG_BIN" ] || return 0
    local ctl
    ctl="$(dpkg -L "postgresql-$PG_VERSION" 2>/dev/null | grep '/bin/pg_ctl$' | head -n 1 || true)"
    if [ -z "$ctl" ]; then
        log "postgres: package postgresql-$PG_VERSION not installed; installing it with apt-get ..."
        is_root || die "postgresql-$PG_VERSION is not installed and we are not root: run 'sudo apt-get install -y postgresql-$PG_VERSION'"
        export DEBIAN_FRONTEND=noninteractive
        if ! apt-get install -y "postgresql-$PG_VERSION"; then
            log "postgres: apt-get install failed; refreshing the package lists and retrying ..."
            apt-get update && apt-get install -y "postgresql-$PG_VERSION" ||
                die "could not install postgresql-$PG_VERSION with apt-get (see its output above); install it by hand and retry"
        fi
        ctl="$(dpkg -L "postgresql-$PG_VERSION" 2>/dev/null | grep '/bin/pg_ctl$' | head -n 1 || true)"
        [ -n "$ctl" ] || die "postgresql-$PG_VERSION installed, but its pg_ctl was not found in 'dpkg -L postgresql-$PG_VERSION'"
    fi
    PG_BIN="$(dirname "$ctl")"
}

# PostgreSQL refuses to run as root: run its tools as 'postgres' when we are root.
# fd 9 (our lock) is closed so the postmaster never inherits it.
pg_run() {
    if is_root; then
        runuser -u postgres -- "$@" 9>&-
    else
        "$@" 9>&-
    fi
}

pg_pid() {
    local pid
    [ -f "$PG_DATA/postmaster.pid" ] || return 1
    pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
    pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q postgres || return 1
    printf '%s\n' "$pid"
}

# After a crash the old postmaster can linger as an unreaped zombie for a moment (PID 1 on some
# sandboxes reaps lazily); postgres refuses to start while that pid still exists.
pg_wait_stale_pid() {
    local old deadline=$((SECONDS + 15))
    old="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
    [ -n "$old" ] && kill -0 "$old" 2>/dev/null || return 0
    log "postgres: waiting for the previous postmaster (pid $old) to disappear ..."
    while kill -0 "$old" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.25
    done
}

# Make .run/pg owned by postgres and reachable through every parent directory.
pg_prepare_dirs() {
    mkdir -p "$PG_DIR" "$PG_LOGDIR" "$PG_SOCKDIR"
    is_root || return 0
    id postgres >/dev/null 2>&1 || die "user 'postgres' does not exist (it comes with the postgresql-common package)"
    chown -R postgres:postgres "$PG_DIR"
    chmod 755 "$PG_DIR" # initdb keeps the data dir itself at 700
    local dir
    dir="$(dirname "$PG_DIR")"
    while [ "$dir" != "/" ]; do
        if ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
            log "postgres: making $dir traversable (chmod o+x) so the postgres user can reach $PG_DIR"
            chmod o+x "$dir"
        fi
        dir="$(dirname "$dir")"
    done
    # A unix socket path is limited to 107 bytes.
    local sock="$PG_SOCKDIR/.s.PGSQL.$PG_PORT.lock"
    [ "${#sock}" -le 100 ] || die "socket path $sock is too long for a unix socket; set LOTLINE_RUN_DIR to a shorter path"
}

pg_initdb() {
    [ ! -f "$PG_DATA/PG_VERSION" ] || return 0
    local locale=C
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        locale=C.UTF-8
    fi
    log "postgres: initialising a new cluster in $PG_DATA (locale $locale)"
    if ! pg_run "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres --encoding=UTF8 --locale="$locale" \
        >"$PG_LOGDIR/initdb.log" 2>&1; then
        cat "$PG_LOGDIR/initdb.log" >&2
        die "initdb failed (log above, $PG_LOGDIR/initdb.log)"
    fi
    printf "\n# Lotline: settings managed by deploy/infra.sh\ninclude 'lotline.conf'\n" >>"$PG_DATA/postgresql.conf"
}

# Rewritten at every start so that port changes apply.
pg_write_config() {
    cat >"$PG_DATA/lotline.conf" <<EOF
# Written by deploy/infra.sh at every start: edits here are lost.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKDIR'
max_connections = 300
shared_buffers = 256MB
EOF
    if [ "$PG_DURABLE" = 0 ]; then
        cat >>"$PG_DATA/lotline.conf" <<EOF
# LOTLINE_PG_DURABLE=0 (make test): durability is switched off for speed. A crash of the
# machine (or of PostgreSQL itself) can lose or corrupt data; never use this for real orders.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    else
        cat >>"$PG_DATA/lotline.conf" <<EOF
# Durable (the default): an acknowledged commit survives a crash, which the outbox and
# inbox guarantees rest on. Written out so that a reload turns a fast cluster durable again.
fsync = on
synchronous_commit = on
full_page_writes = on
EOF
    fi
    if is_root; then chown postgres:postgres "$PG_DATA/lotline.conf"; fi
}

pg_durability() {
    if [ "$PG_DURABLE" = 0 ]; then echo "NOT durable (LOTLINE_PG_DURABLE=0, tests only)"; else echo "durable"; fi
}

pg_start() {
    local pid
    if pid="$(pg_pid)"; then
        pg_find_bin
        pg_write_config  # durability follows LOTLINE_PG_DURABLE at every start
        pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" reload >/dev/null
        log "postgres: already running (pid $pid, port $PG_PORT), $(pg_durability)"
        return 0
    fi
    pg_find_bin
    ! port_open "$PG_PORT" || die "port $PG_PORT on 127.0.0.1 is already in use by another process (see: ss -ltnp 'sport = :$PG_PORT'); pick another with LOTLINE_PG_PORT"
    pg_prepare_dirs
    pg_wait_stale_pid
    pg_initdb
    pg_write_config

    log "postgres: starting on 127.0.0.1:$PG_PORT ..."
    local started_at=$SECONDS
    if ! pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOGDIR/postgres.log" -w -t "$PG_START_TIMEOUT" start >/dev/null; then
        err "postgres: pg_ctl start failed"
        printf -- '----- last lines of %s -----\n' "$PG_LOGDIR/postgres.log" >&2
        tail -n 40 "$PG_LOGDIR/postgres.log" >&2 || true
        exit 1
    fi
    local deadline=$((SECONDS + PG_START_TIMEOUT))
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres; do
        [ "$SECONDS" -lt "$deadline" ] || {
            tail -n 40 "$PG_LOGDIR/postgres.log" >&2 || true
            die "postgres: pg_isready does not answer after ${PG_START_TIMEOUT}s"
        }
        sleep 0.25
    done
    pid="$(pg_pid || true)"
    log "postgres: running (pid ${pid:-?}, port $PG_PORT), ready in $((SECONDS - started_at))s, $(pg_durability); logs in $PG_LOGDIR"
}

pg_stop() {
    if ! pg_pid >/dev/null; then
        log "postgres: not running"
        return 0
    fi
    pg_find_bin
    log "postgres: stopping ..."
    if ! pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t "$PG_STOP_TIMEOUT" stop >/dev/null; then
        log "postgres: fast shutdown did not finish in ${PG_STOP_TIMEOUT}s, using immediate mode"
        pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 10 stop >/dev/null ||
            die "postgres: could not stop the server (data dir $PG_DATA)"
    fi
    log "postgres: stopped"
}

pg_status() {
    local pid
    if pid="$(pg_pid)"; then
        log "postgres: running (pid $pid, port $PG_PORT)"
    else
        log "postgres: stopped"
        return 3
    fi
}

# --------------------------------------------------------------------------- commands

usage() {
    cat <<EOF
usage: deploy/infra.sh COMMAND [COMPONENT]

commands:
  fetch                        download the Kafka $KAFKA_VERSION jars into .cache/kafka-libs (Maven)
  start  [kafka|postgres|all]  start and wait until ready (already running: says so, exit 0)
  stop   [kafka|postgres|all]  stop (already stopped: exit 0)
  status [kafka|postgres|all]  one line each; exit 0 if all running, 3 otherwise
  reset                        stop everything and delete all Kafka and PostgreSQL data
  cluster start|stop|status    a three-node replicated Kafka cluster (LOTLINE_KAFKA_CLUSTER_PORT, 19192)

environment:
  LOTLINE_KAFKA_PORT=$KAFKA_PORT  LOTLINE_KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT  LOTLINE_PG_PORT=$PG_PORT
  LOTLINE_RUN_DIR=$RUN_DIR
EOF
}

# Expands the COMPONENT argument into a list.
components() {
    case "${1:-all}" in
        all) printf '%s\n' kafka postgres ;;
        kafka) printf '%s\n' kafka ;;
        postgres | pg | postgresql) printf '%s\n' postgres ;;
        *)
            err "unknown component '$1' (expected kafka, postgres or all)"
            exit 2
            ;;
    esac
}

cmd_start() {
    local c list
    list="$(components "${1:-all}")"
    take_lock
    for c in $list; do
        case "$c" in kafka) kafka_start ;; postgres) pg_start ;; esac
    done
}

cmd_stop() {
    local c list
    list="$(components "${1:-all}")"
    take_lock
    for c in $list; do
        case "$c" in kafka) kafka_stop ;; postgres) pg_stop ;; esac
    done
}

cmd_status() {
    local c list rc=0
    list="$(components "${1:-all}")"
    for c in $list; do
        case "$c" in
            kafka) kafka_status || rc=3 ;;
            postgres) pg_status || rc=3 ;;
        esac
    done
    return "$rc"
}

cmd_reset() {
    take_lock
    kafka_stop
    pg_stop
    log "reset: deleting $KAFKA_DIR and $PG_DIR"
    rm -rf "$KAFKA_DIR" "$PG_DIR"
    log "reset: done (the jar cache in $LIBS_DIR is kept)"
}

main() {
    check_port_number LOTLINE_KAFKA_PORT "$KAFKA_PORT"
    check_port_number LOTLINE_KAFKA_CONTROLLER_PORT "$KAFKA_CONTROLLER_PORT"
    check_port_number LOTLINE_PG_PORT "$PG_PORT"
    [ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ] || die "LOTLINE_KAFKA_PORT and LOTLINE_KAFKA_CONTROLLER_PORT must differ"

    local cmd="${1:-}"
    [ $# -eq 0 ] || shift
    [ $# -le 1 ] || { usage >&2; exit 2; }
    case "$cmd" in
        fetch) cmd_fetch ;;
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status "$@" ;;
        reset) cmd_reset ;;
        cluster)
            # A three-node replicated cluster beside the single node (deploy/kafka_cluster.py).
            [ -f "$LIBS_DIR/$FETCH_MARKER" ] || cmd_fetch
            require_java
            LOTLINE_RUN_DIR="$RUN_DIR" PYTHONPATH="$ROOT" exec python3 "$DEPLOY_DIR/kafka_cluster.py" "${1:-status}"
            ;;
        -h | --help | help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
