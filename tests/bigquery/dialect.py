"""What SQL that reaches BigQuery may not contain: DuckDB's own functions and spellings.

One list for every check that SQL is BigQuery's (the compiled dbt models and tests,
the queries Superset builds for the charts), read with sqlglot's BigQuery dialect.
"""

from __future__ import annotations

from sqlglot import exp

# DuckDB functions BigQuery lacks (or spells differently): none may reach BigQuery.
DUCKDB_ONLY = {
    "read_parquet",
    "read_json",
    "glob",
    "strftime",
    "strptime",
    "epoch",
    "epoch_ms",
    "date_diff",
    "datediff",
    "date_part",
    "list_value",
    "list_aggregate",
    "struct_pack",
    "regexp_matches",
    "arg_max",
    "arg_min",
    "median",
    "quantile_cont",
    "to_timestamp",
    "make_date",
    "time_bucket",
    "timezone",
}
# Spellings found in the text: sqlglot reads BigQuery's safe_cast as its TryCast, so
# DuckDB's try_cast is found by name; `::` casts are DuckDB's (and Postgres').
DUCKDB_ONLY_SPELLINGS = ("::", "try_cast(")


def duckdb_only(statement: exp.Expression, text: str = "") -> set[str]:
    """The DuckDB-only functions of a parsed statement, and the spellings in `text`."""
    found = {
        (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
        for node in statement.find_all(exp.Func)
    }
    squeezed = text.lower().replace(" ", "")
    return (found & DUCKDB_ONLY) | {s for s in DUCKDB_ONLY_SPELLINGS if s in squeezed}
