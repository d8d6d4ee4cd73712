"""The lake's folder layout: the names of the folders every part lives in.

    lake/_runs/run-<run_id:012d>.json                          a run's commit record
    lake/<table>/dt=YYYY-MM-DD/part-<run_id:012d>-<n>.parquet  data, hive-partitioned
    lake/_manifest/part-<run_id:012d>-<n>.parquet              one row per committed source file
    lake/_quarantine/part-<run_id:012d>-<n>.parquet            rows that broke the contract
    lake/_rejected/part-<run_id:012d>-<n>.parquet              files, sheets not read

A part is named after the run that wrote it; only the parts a commit record lists
are in the lake (lake.runs, docs/lake.md). Anything named with TMP_PREFIX is a
temporary no reader may open.
"""

from __future__ import annotations

QUARANTINE = "_quarantine"
REJECTED = "_rejected"
MANIFEST = "_manifest"
TMP_PREFIX = ".tmp-"
