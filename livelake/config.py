"""Where a livelake world lives on disk.

One variable, LIVELAKE_DATA_DIR (default ./data), moves the whole world, so a second
world (a benchmark, a test) can live beside the first without touching it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @classmethod
    def from_env(cls) -> Paths:
        return cls(Path(os.environ.get("LIVELAKE_DATA_DIR", "data")).resolve())

    @property
    def inbox(self) -> Path:
        return self.data_dir / "inbox"

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
    def bench(self) -> Path:
        return self.data_dir / "bench"
