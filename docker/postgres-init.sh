#!/bin/sh
# PostgreSQL's first start (docker-entrypoint-initdb.d): one database and one owner
# each for Airflow's and Superset's metadata, the passwords from .env.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
  -v airflow_password="$AIRFLOW_DB_PASSWORD" -v superset_password="$SUPERSET_DB_PASSWORD" <<'SQL'
create role airflow login password :'airflow_password';
create database airflow owner airflow;
create role superset login password :'superset_password';
create database superset owner superset;
SQL
