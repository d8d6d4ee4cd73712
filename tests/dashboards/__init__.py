"""The dashboard tests: livelake_dashboards (dashboards/) importable from the main venv.

Its spec, client, launcher and warehouse need only the stdlib, requests and yaml;
the package's path is added here, before any test module or conftest imports it.
"""

import sys
from pathlib import Path

_DASHBOARDS_DIR = str(Path(__file__).resolve().parents[2] / "dashboards")
if _DASHBOARDS_DIR not in sys.path:
    sys.path.insert(0, _DASHBOARDS_DIR)
