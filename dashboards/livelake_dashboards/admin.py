"""Create the admin, or set its password, in one Superset app start.

Run by `server.initialise` as `python -m livelake_dashboards.admin` with the
password in the environment (LIVELAKE_SUPERSET_ADMIN_PASSWORD), never on a command
line another user could read with `ps`. One process instead of `superset fab
create-admin` and `reset-password`: each of those loads the whole app.
"""

from __future__ import annotations

import os

from livelake_dashboards.settings import ADMIN_USER


def main() -> None:
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import security_manager

        password = os.environ["LIVELAKE_SUPERSET_ADMIN_PASSWORD"]
        user = security_manager.find_user(username=ADMIN_USER)
        if user is None:
            created = security_manager.add_user(
                ADMIN_USER,
                "livelake",
                "admin",
                "admin@livelake.local",
                security_manager.find_role("Admin"),
                password=password,
            )
            if not created:
                raise SystemExit("could not create the admin user")
        else:
            security_manager.reset_password(user.id, password)


if __name__ == "__main__":
    main()
