"""Superset's security manager with its permission look-ups remembered for a few seconds.

A chart answered from the results cache still cost 19 queries on the metadata
database (a viewer's, 31), most of them the same permission look-ups every time: does
one of the user's roles hold `can_read` on `Chart` (an EXISTS join over five tables,
three per request), what may the Public role do (two queries, twice), and, for a
non-admin, which datasets, schemas and databases the roles give access to (four
joins). Here each worker remembers those answers for PERMISSION_TTL_S seconds, keyed
by exactly what they depend on (the permission, the view, the user's role ids; the
Public role's set), so a second request within that time asks the database nothing
about permissions.

What it costs: a role given or taken a permission (Superset's UI, `superset init`,
`make dashboards` syncing the viewer) is seen by every worker within
PERMISSION_TTL_S seconds, not at once. Which roles a user has is still read per
request (the user is loaded per request, and every key holds the role ids), so
removing a user from a role applies at once; only what a role may do can lag.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from superset.security import SupersetSecurityManager

PERMISSION_TTL_S = 10.0


class _Remembered:
    """Answers by key, each forgotten PERMISSION_TTL_S seconds after it was asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any, ask: Any) -> Any:
        now = time.monotonic()
        with self._lock:
            found = self._answers.get(key)
        if found is not None and now - found[0] < PERMISSION_TTL_S:
            return found[1]
        answer = ask()
        with self._lock:
            if len(self._answers) > 4096:  # bounded: role-id combinations are few
                self._answers.clear()
            self._answers[key] = (now, answer)
        return answer


class LivelakeSecurityManager(SupersetSecurityManager):
    """superset_config's CUSTOM_SECURITY_MANAGER."""

    def __init__(self, appbuilder: Any) -> None:
        super().__init__(appbuilder)
        self._remembered = _Remembered()

    def exist_permission_on_roles(
        self, view_name: str, permission_name: str, role_ids: list[int]
    ) -> bool:
        key = ("role", view_name, permission_name, tuple(sorted(role_ids)))
        return self._remembered.get(
            key,
            lambda: super(LivelakeSecurityManager, self).exist_permission_on_roles(
                view_name, permission_name, role_ids
            ),
        )

    def user_view_menu_names(self, permission_name: str) -> set[str]:
        """The datasets, schemas and databases the user's roles give `permission_name` on
        (datasource_access ...: asked four times per chart answer for a non-admin), by
        the role ids of the user's roles (read per request, so a role given or taken
        away applies at once)."""
        from flask import g

        roles = () if g.user.is_anonymous else self.get_user_roles(g.user)
        key = ("menus", permission_name, tuple(sorted(role.id for role in roles)))
        return set(
            self._remembered.get(
                key,
                lambda: frozenset(
                    super(LivelakeSecurityManager, self).user_view_menu_names(permission_name)
                ),
            )
        )

    def is_item_public(self, permission_name: str, view_name: str) -> bool:
        public = self._remembered.get(("public",), self._public_pairs)
        return (view_name, permission_name) in public

    def _public_pairs(self) -> frozenset[tuple[str, str]]:
        """What the Public role may do, as (view, permission) names."""
        return frozenset(
            (pvm.view_menu.name, pvm.permission.name) for pvm in self.get_public_permissions()
        )
