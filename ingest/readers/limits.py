"""The per-file limits that keep one hostile file from taking the run down.

Two settings, read from the environment when a run starts (so a test or an operator
can change them without code):

- `LIVELAKE_INGEST_FILE_BUDGET_MB` (default 256): how much a file may unpack to. A
  workbook's zip parts (the shared-strings table in particular) unpack to many times
  the file's size, and the reader holds them in memory; a sheet's cell grid is held
  too, at about `BYTES_PER_CELL` per cell of its used range. Two workers at the
  default budget stay well under 1 GB of peak memory.
- `LIVELAKE_INGEST_FILE_TIMEOUT_S` (default 120): how long the reader may spend on
  one file (opening it and reading its sheets). A normal export takes milliseconds;
  a file past the limit has its worker killed and is rejected, and the run goes on.

Stdlib only: the run process reads them without importing polars.
"""

from __future__ import annotations

from dataclasses import dataclass

from settings.env import positive_number

BUDGET_ENV = "LIVELAKE_INGEST_FILE_BUDGET_MB"
TIMEOUT_ENV = "LIVELAKE_INGEST_FILE_TIMEOUT_S"
DEFAULT_BUDGET_MB = 256
DEFAULT_TIMEOUT_S = 120.0
# Memory per cell of a sheet's used range while it is read: calamine's cell (32
# bytes) and its text in the grid; measured about 60 bytes on a sparse sheet.
BYTES_PER_CELL = 64


@dataclass(frozen=True)
class Limits:
    budget_mb: float
    timeout_s: float

    @classmethod
    def from_env(cls) -> Limits:
        return cls(
            budget_mb=positive_number(BUDGET_ENV, DEFAULT_BUDGET_MB, unit="MB"),
            timeout_s=positive_number(TIMEOUT_ENV, DEFAULT_TIMEOUT_S, unit="seconds"),
        )

    @property
    def budget_bytes(self) -> int:
        return int(self.budget_mb * (1 << 20))

    @property
    def max_cells(self) -> int:
        """The largest used range (rows x columns) a file's sheets may span in all."""
        return self.budget_bytes // BYTES_PER_CELL

    def budget_text(self) -> str:
        return f"the per-file budget of {self.budget_mb:g} MB ({BUDGET_ENV})"

    def timeout_text(self) -> str:
        return f"the per-file time limit of {self.timeout_s:g} s ({TIMEOUT_ENV})"
