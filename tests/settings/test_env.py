"""Numbers from the environment are read one way (settings.env): the ingest's file
limits, the Drive source's timeouts and BigQuery's timeouts all refuse the same bad
values with the same message."""

from __future__ import annotations

import pytest

from ingest.readers.limits import BUDGET_ENV, TIMEOUT_ENV, Limits
from ingest.sources.gdrive import RETRY_ENV, DriveConfigError, DriveSettings
from settings.bigquery import BigQuerySettings
from settings.env import SettingError, positive_number


def test_unset_or_blank_takes_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIVELAKE_X", raising=False)
    assert positive_number("LIVELAKE_X", 7) == 7.0
    monkeypatch.setenv("LIVELAKE_X", "  ")
    assert positive_number("LIVELAKE_X", 7) == 7.0
    monkeypatch.setenv("LIVELAKE_X", " 2.5 ")
    assert positive_number("LIVELAKE_X", 7) == 2.5


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("ten", "LIVELAKE_X='ten' is not a number of seconds"),
        ("0", "LIVELAKE_X='0' must be positive (a number of seconds)"),
        ("-3", "LIVELAKE_X='-3' must be positive (a number of seconds)"),
        ("nan", "LIVELAKE_X='nan' must be positive (a number of seconds)"),
        ("inf", "LIVELAKE_X='inf' must be positive (a number of seconds)"),
    ],
)
def test_anything_else_is_refused_naming_the_variable(
    raw: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVELAKE_X", raw)
    with pytest.raises(SettingError) as caught:
        positive_number("LIVELAKE_X", 7, unit="seconds")
    assert str(caught.value) == message


def test_every_reader_uses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BUDGET_ENV, "64")
    monkeypatch.setenv(TIMEOUT_ENV, "5")
    assert Limits.from_env() == Limits(budget_mb=64.0, timeout_s=5.0)
    monkeypatch.setenv(TIMEOUT_ENV, "0")
    with pytest.raises(ValueError, match=f"{TIMEOUT_ENV}='0' must be positive"):
        Limits.from_env()
    monkeypatch.setenv(RETRY_ENV, "soon")
    with pytest.raises(DriveConfigError, match=f"{RETRY_ENV}='soon' is not a number of seconds"):
        DriveSettings.from_env()
    monkeypatch.setenv("LIVELAKE_BQ_JOB_TIMEOUT_SECONDS", "-1")
    with pytest.raises(SettingError, match="LIVELAKE_BQ_JOB_TIMEOUT_SECONDS='-1'"):
        BigQuerySettings.from_env()
