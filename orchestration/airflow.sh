#!/usr/bin/env bash
# `make airflow` / `make airflow-stop`: Airflow 3.3.2's `airflow standalone` (api-server,
# scheduler, dag-processor, triggerer, LocalExecutor) from .venv-airflow, for one
# machine: SQLite metadata and AIRFLOW_HOME under the data directory, the API and UI
# on 127.0.0.1:AIRFLOW_PORT only, the DAG unpaused. Every file it writes is private
# (umask 077): the generated password file among them.
#
#   orchestration/airflow.sh up     start (or say it is running), wait until healthy,
#                                   unpause the DAG, print how to log in
#   orchestration/airflow.sh stop   stop the whole process group
#
# Settings: LIVELAKE_DATA_DIR, AIRFLOW_PORT (8080), AIRFLOW_UNPAUSE (livelake_daily),
# .env if present (SMTP connection, recipients, Drive folder: .env.example), and any
# AIRFLOW__* already set (the tests move the DAG folder and the log servers' ports).
set -euo pipefail
umask 077

repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ -f "$repo/.env" ]; then set -a; . "$repo/.env"; set +a; fi
data_dir="$(mkdir -p "${LIVELAKE_DATA_DIR:-$repo/data}" && cd "${LIVELAKE_DATA_DIR:-$repo/data}" && pwd)"
port="${AIRFLOW_PORT:-8080}"
export LIVELAKE_DATA_DIR="$data_dir"
export LIVELAKE_VENV="${LIVELAKE_VENV:-$repo/.venv}"
export AIRFLOW_HOME="$data_dir/airflow"
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$AIRFLOW_HOME/airflow.db"
export AIRFLOW__CORE__DAGS_FOLDER="${AIRFLOW__CORE__DAGS_FOLDER:-$repo/dags}"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="$port"
export AIRFLOW__API__BASE_URL="http://127.0.0.1:$port"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$port/execution/"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin}"
# standalone starts its components as `airflow ...` from PATH.
export PATH="$repo/.venv-airflow/bin:$PATH"
airflow="$repo/.venv-airflow/bin/airflow"
pidfile="$AIRFLOW_HOME/standalone.pid"
log="$AIRFLOW_HOME/standalone.log"
passwords="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

up() {
  mkdir -p "$AIRFLOW_HOME"
  if running; then
    echo "Airflow is already running (process group $(cat "$pidfile")): http://127.0.0.1:$port"
  else
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "127.0.0.1:$port is in use by another server: pick another with AIRFLOW_PORT=..."
      exit 1
    fi
    [ -e "$passwords" ] || : > "$passwords"
    chmod 600 "$passwords"
    # Its own session and process group, so `stop` ends every process it started.
    setsid "$airflow" standalone > "$log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    echo "starting Airflow (process group $(cat "$pidfile"), log $log)"
  fi
  local deadline=$((SECONDS + ${AIRFLOW_START_TIMEOUT:-300}))
  until curl -sf "http://127.0.0.1:$port/api/v2/monitor/health" > /dev/null; do
    running || { echo "Airflow exited: see $log"; tail -20 "$log"; exit 1; }
    [ $SECONDS -lt $deadline ] || { echo "Airflow did not answer on 127.0.0.1:$port: see $log"; exit 1; }
    sleep 2
  done
  local dag="${AIRFLOW_UNPAUSE:-livelake_daily}"
  until "$airflow" dags unpause "$dag" > /dev/null 2>&1; do  # once the processor has parsed it
    [ $SECONDS -lt $deadline ] || { echo "$dag did not appear: airflow dags list-import-errors"; exit 1; }
    sleep 3
  done
  echo "Airflow: http://127.0.0.1:$port (DAG $dag unpaused; next run 10:00 Asia/Taipei)"
  echo "log in as admin, password in $passwords (readable by you only)"
  echo "stop it with: make airflow-stop"
}

stop() {
  if ! running; then echo "Airflow is not running"; rm -f "$pidfile"; return; fi
  local group
  group="$(cat "$pidfile")"
  kill -TERM -- "-$group" 2>/dev/null || true
  for _ in $(seq 30); do
    kill -0 -- "-$group" 2>/dev/null || break
    sleep 1
  done
  kill -KILL -- "-$group" 2>/dev/null || true
  rm -f "$pidfile"
  echo "Airflow stopped"
}

case "${1:-}" in
  up) up ;;
  stop) stop ;;
  *) echo "usage: $0 up|stop" >&2; exit 2 ;;
esac
