"""`python -m livelake_dashboards up|stop|profile|bundle|exposures`: what the Makefile's
targets (and the dashboards benchmark) run."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import yaml

from livelake_dashboards import bundle, exposures, server
from livelake_dashboards.client import SupersetError
from livelake_dashboards.settings import Settings
from livelake_dashboards.warehouse import TargetError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="livelake_dashboards")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="initialise, serve and import the dashboards")
    up.add_argument("--workers", type=int, default=4)
    commands.add_parser("stop", help="stop the server of this data dir")
    profile = commands.add_parser("profile", help="what a chart's cached answer spends time on")
    profile.add_argument("chart_id", type=int)
    write = commands.add_parser("bundle", help="write the assets as YAML files, for review")
    write.add_argument("out", type=Path)
    commands.add_parser("exposures", help="regenerate transform/models/marts/_exposures.yml")
    args = parser.parse_args(argv)
    if args.command == "exposures":
        print(f"written {exposures.write()}")
        return 0
    try:
        settings = Settings.from_env()
        if args.command == "up":
            server.up(settings, args.workers)
        elif args.command == "profile":
            return subprocess.run(
                [sys.executable, "-m", "livelake_dashboards.profile", str(args.chart_id)],
                env=settings.superset_env(),
                check=False,
            ).returncode
        elif args.command == "stop":
            stopped = server.stop(settings)
            print("Superset stopped" if stopped else "Superset was not running")
        else:
            for path, document in bundle.files(settings.warehouse).items():
                target = args.out / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
            print(f"assets written under {args.out}")
    except (SupersetError, TargetError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
