"""Test-only patches of the BigQuery API emulator (bqemulator 1.4.0) for dbt's prod build.

Imported by the emulator's Python at start-up (this folder is put on its PYTHONPATH
only by `tests.bigquery.emulator.start(..., patched=True)`, which the dbt prod tests
use; the tests pinning the emulator's differences run it unpatched). Each patch
makes the emulator do what BigQuery does with SQL dbt-bigquery emits; none changes
what the product sends. tests/bigquery/test_emulator_differences.py pins each
defect on the unpatched emulator, tests/bigquery/test_dbt_prod.py the fix.

1. `ARRAY_AGG(DISTINCT x IGNORE NULLS)` (dbt's dynamic insert_overwrite): the
   emulator rewrites IGNORE NULLS to `FILTER (WHERE NOT DISTINCT x IS NULL)`, which
   does not parse. The filter's target is taken inside the DISTINCT.
2. `SET (a, ...) = (SELECT AS STRUCT ...)` (dbt's insert_overwrite script): the
   emulator assigns the struct itself to the first variable. The struct's fields
   are assigned positionally, as BigQuery does.
3. Bare `NUMERIC` (BigQuery: NUMERIC(38, 9)) becomes DuckDB's DECIMAL(18, 3), which
   cuts values to 3 decimals and overflows past 10^15: it is given (38, 9).
4. `DATE_TRUNC(d, ISOWEEK)` becomes DuckDB's `DATE_TRUNC('ISOWEEK', d)`, which DuckDB
   refuses; DuckDB's 'WEEK' is the ISO week (Monday), what BigQuery's ISOWEEK means,
   cast back to a DATE (DuckDB's date_trunc of a date is a timestamp).
"""

from __future__ import annotations

import re

_SELECT_AS_STRUCT = re.compile(r"^\(\s*select\s+as\s+struct\b(.*)\)\s*$", re.IGNORECASE | re.DOTALL)


def _patch_ignore_nulls_inside_distinct() -> None:
    from bqemulator.sql.rewriter import aggregate_variants
    from sqlglot import exp

    original = aggregate_variants._filter_target

    def filter_target(operand: exp.Expression) -> exp.Expression:
        if isinstance(operand, exp.Distinct) and len(operand.expressions) == 1:
            operand = operand.expressions[0]
        return original(operand)

    aggregate_variants._filter_target = filter_target


def _patch_set_from_a_struct() -> None:
    from bqemulator.scripting.interpreter import ScriptInterpreter

    original = ScriptInterpreter._exec_set

    async def exec_set(self, stmt):  # noqa: ANN001, ANN202 - the emulator's own types
        struct = _SELECT_AS_STRUCT.match(stmt.source_expr.strip())
        if struct is None:
            return await original(self, stmt)
        row = await self._eval_expr_row("(select " + struct.group(1) + ")")
        if len(row) != len(stmt.targets):
            return await original(self, stmt)
        for name, value in zip(stmt.targets, row, strict=True):
            self._frames.set(name, value)
        return None

    ScriptInterpreter._exec_set = exec_set


def _patch_translated_sql() -> None:
    """Patches 3 and 4, on the translated DuckDB SQL: sqlglot's BigQuery generator
    drops NUMERIC's parameters, so the BigQuery text cannot carry them; DuckDB's can."""
    from bqemulator.domain.result import Ok
    from bqemulator.sql.translator import SQLTranslator

    original = SQLTranslator.translate
    bare = re.compile(r"\bDECIMAL\b(?!\s*\()")
    # One level of parentheses inside the argument (a cast, a function call) is enough here.
    isoweek = re.compile(r"DATE_TRUNC\(\s*'ISOWEEK'\s*,\s*((?:[^()]|\([^()]*\))*)\)", re.IGNORECASE)

    def translate(self, bq_sql: str, **kwargs):  # noqa: ANN001, ANN003, ANN202
        result = original(self, bq_sql, **kwargs)
        if not isinstance(result, Ok):
            return result
        duckdb_sql = bare.sub("DECIMAL(38, 9)", result.value)
        return Ok(isoweek.sub(r"CAST(DATE_TRUNC('WEEK', \1) AS DATE)", duckdb_sql))

    SQLTranslator.translate = translate


try:  # the emulator's venv only (its other Python commands run this file too)
    import bqemulator  # noqa: F401
except ImportError:
    pass
else:
    _patch_ignore_nulls_inside_distinct()
    _patch_set_from_a_struct()
    _patch_translated_sql()
