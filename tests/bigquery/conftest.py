"""The BigQuery tests' fixtures: one emulator per session, a client pointed at it.

The emulator lives in its own venv (`make setup-bigquery`). Without it the tests
are skipped on a developer's machine with what to run, and fail under CI=true:
there a missing component is a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from tests.bigquery import emulator as bqemulator


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bqemulator.Emulator]:
    if not bqemulator.installed():
        message = f"no BigQuery emulator in {bqemulator.VENV}: run `make setup-bigquery`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    running = bqemulator.start(tmp_path_factory.mktemp("bqemulator"))
    try:
        yield running
    finally:
        bqemulator.stop(running)


@pytest.fixture(scope="session")
def patched_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bqemulator.Emulator]:
    """An emulator with the harness's patches for dbt's SQL (emulator/patched)."""
    if not bqemulator.installed():
        message = f"no BigQuery emulator in {bqemulator.VENV}: run `make setup-bigquery`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    running = bqemulator.start(tmp_path_factory.mktemp("bqemulator_patched"), patched=True)
    try:
        yield running
    finally:
        bqemulator.stop(running)


@pytest.fixture(scope="session")
def bq(emulator: bqemulator.Emulator) -> Iterator[bigquery.Client]:
    """The real client library, pointed at the emulator (no credentials needed)."""
    client = bigquery.Client(
        project=emulator.project,
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=emulator.endpoint),
    )
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def raw_dataset() -> str:
    """A raw dataset of the test's own: tests sharing the emulator never meet."""
    return f"lake_{uuid.uuid4().hex[:10]}"
