"""Where a livelake world lives on disk, and what a DuckDB connection may use.

One variable, LIVELAKE_DATA_DIR (default ./data), moves the whole world, so a second
world (a benchmark, a test) can live beside the first without touching it.

Every DuckDB connection that works on the warehouse (each dbt run, publish,
compaction) is bounded the same way (`Paths.duckdb_config`): a `memory_limit` that
leaves a 16 GB laptop room for everything else (LIVELAKE_DUCKDB_MEMORY_LIMIT
overrides it), and a `temp_directory` under the data dir where DuckDB spills what
does not fit, so a big lake degrades to disk instead of exhausting the machine.
transform/profiles.yml states the same two settings for dbt (YAML cannot import
them; tests/settings/test_paths.py keeps the two in step).

An incremental dbt run has a smaller limit of its own (`memory_limit(incremental=True)`,
chosen by livelake.dbt_runner): DuckDB keeps the blocks of every table it reads cached
up to its limit, so with the full build's limit a daily build's memory grows with what
it reads, not with what it needs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MEMORY_LIMIT_VARIABLE = "LIVELAKE_DUCKDB_MEMORY_LIMIT"
# The full build of the large world peaks near the limit plus dbt's own ~0.5 GB.
DEFAULT_MEMORY_LIMIT = "4GB"
INCREMENTAL_MEMORY_LIMIT_VARIABLE = "LIVELAKE_DUCKDB_INCREMENTAL_MEMORY_LIMIT"
# A corrected day of the large world peaks at 1.5-1.6 GB with it (dbt's own ~0.45 GB
# included) in the time it takes with the full 4GB, which peaks at 2.0-2.1 GB
# (scripts/bench_transform.py). A bigger correction spills rather than grows.
DEFAULT_INCREMENTAL_MEMORY_LIMIT = "1.25GB"
SPILL_DIR_NAME = "spill"
# The ingest's source when --source is not given: a folder or gdrive:FOLDER_ID.
SOURCE_VARIABLE = "LIVELAKE_SOURCE"


def memory_limit(*, incremental: bool = False) -> str:
    """DuckDB's memory_limit: a build from scratch's (and publish's, compaction's), or
    an incremental dbt run's."""
    if incremental:
        return os.environ.get(INCREMENTAL_MEMORY_LIMIT_VARIABLE, DEFAULT_INCREMENTAL_MEMORY_LIMIT)
    return os.environ.get(MEMORY_LIMIT_VARIABLE, DEFAULT_MEMORY_LIMIT)


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @classmethod
    def from_env(cls) -> Paths:
        return cls(Path(os.environ.get("LIVELAKE_DATA_DIR", "data")).resolve())

    @property
    def inbox(self) -> Path:
        return self.data_dir / "inbox"

    def drive_mirror(self, folder_id: str) -> Path:
        """Where a Google Drive folder is mirrored (ingest.sources.gdrive)."""
        return self.inbox / "gdrive" / folder_id

    def source(self, given: str | None = None) -> str:
        """What the ingest reads: `given` (--source), else LIVELAKE_SOURCE, else the
        inbox. A local folder, or `gdrive:FOLDER_ID` for a Google Drive folder."""
        return (given or os.environ.get(SOURCE_VARIABLE, "").strip()) or str(self.inbox)

    @property
    def lake(self) -> Path:
        return self.data_dir / "lake"

    @property
    def truth(self) -> Path:
        return self.data_dir / "truth"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        return self.data_dir / "serving.duckdb"

    @property
    def spill(self) -> Path:
        """Where DuckDB writes what does not fit in its memory limit."""
        return self.data_dir / SPILL_DIR_NAME

    @property
    def bench(self) -> Path:
        return self.data_dir / "bench"

    @property
    def duckdb_config(self) -> dict[str, str]:
        """The settings of every DuckDB connection on the warehouse (see the module)."""
        return {
            "memory_limit": memory_limit(),
            "temp_directory": str(self.spill),
        }
