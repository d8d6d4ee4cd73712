"""The DAG's settings, read from the environment when the DAG file is parsed (`make
airflow` and docker/docker-compose.yml set them; .env.example lists them).

The DAG runs the pipeline's own CLI from the pipeline's virtualenv, never from
Airflow's: the two environments share no package (dbt and DuckDB stay out of Airflow).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

# dags/ sits at the repository's root, beside the pipeline's .venv.
REPO = Path(__file__).resolve().parents[2]
SMTP_CONN_ID = "smtp_default"  # AIRFLOW_CONN_SMTP_DEFAULT


@dataclass(frozen=True)
class Settings:
    livelake: str  # the pipeline venv's `livelake` executable
    source: str  # LIVELAKE_SOURCE: a folder, gdrive:FOLDER_ID, or "" (the inbox)
    target: str  # dev | prod
    alert_to: tuple[str, ...]
    alert_from: str | None  # None: the SMTP connection's from_email
    # From LIVELAKE_AIRFLOW_DEADLINE_MINUTES (60: done by 11:00 Taipei); 0 turns the late
    # e-mail off, as dag.test() needs (it crashes after a run with one: apache/airflow#73428).
    deadline: timedelta | None

    @property
    def drive(self) -> bool:
        return self.source.startswith("gdrive:")

    @classmethod
    def from_env(cls) -> Settings:
        venv = Path(os.environ.get("LIVELAKE_VENV") or REPO / ".venv")
        minutes = float(os.environ.get("LIVELAKE_AIRFLOW_DEADLINE_MINUTES", "60") or 0)
        return cls(
            livelake=str(venv / "bin" / "livelake"),
            source=os.environ.get("LIVELAKE_SOURCE", "").strip(),
            target=os.environ.get("LIVELAKE_TARGET", "dev").strip() or "dev",
            alert_to=tuple(
                a.strip() for a in os.environ.get("LIVELAKE_ALERT_TO", "").split(",") if a.strip()
            ),
            alert_from=os.environ.get("LIVELAKE_ALERT_FROM") or None,
            deadline=timedelta(minutes=minutes) if minutes > 0 else None,
        )
