#!/bin/sh
# PostgreSQL's first start (docker-entrypoint-initdb.d): one database and one owner
# each for Airflow's and Superset's metadata, their secrets from .env (psql variables,
# quoted as literals by format's %L; never written here).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
  -v airflow_pw="$AIRFLOW_DB_PASSWORD" -v superset_pw="$SUPERSET_DB_PASSWORD" <<'SQL'
select format('create role airflow login password %L', :'airflow_pw') \gexec
create database airflow owner airflow;
select format('create role superset login password %L', :'superset_pw') \gexec
create database superset owner superset;
SQL
