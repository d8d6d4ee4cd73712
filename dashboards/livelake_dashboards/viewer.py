"""The `viewer` role: open livelake's dashboards, nothing else.

Built from an explicit allow-list, not by trimming Gamma: read dashboards and
charts, use the native filters and drill to detail, and read exactly the datasets
the dashboards use. No SQL Lab, no explore/editing, no database list, no other data.
"""

from __future__ import annotations

from livelake_dashboards.client import SupersetClient, SupersetError
from livelake_dashboards.settings import VIEWER_ROLE, VIEWER_USER

ALLOWED: tuple[tuple[str, str], ...] = (
    ("can_read", "Dashboard"),
    ("can_read", "Chart"),
    ("can_dashboard", "Superset"),
    ("can_drill", "Dashboard"),
    ("can_view_chart_as_table", "Dashboard"),
    ("can_samples", "Datasource"),
    ("can_get_column_values", "Datasource"),
    ("can_read", "DashboardFilterStateRestApi"),
    ("can_write", "DashboardFilterStateRestApi"),
    ("can_read", "DashboardPermalinkRestApi"),
    ("can_time_range", "Api"),
    ("can_query_form_data", "Api"),
    ("can_query", "Api"),
    ("can_recent_activity", "Log"),
    ("can_userinfo", "UserDBModelView"),
    ("menu_access", "Dashboards"),
    ("can_read", "SecurityRestApi"),  # the CSRF token, so refusals are about rights
)


def permission_ids(client: SupersetClient, dataset_perms: list[str]) -> list[int]:
    rows = client.list_all("security/permissions-resources")
    index = {(row["permission"]["name"], row["view_menu"]["name"]): row["id"] for row in rows}
    wanted = [*ALLOWED, *(("datasource_access", perm) for perm in dataset_perms)]
    missing = [pair for pair in wanted if pair not in index]
    if any(pair[0] == "datasource_access" for pair in missing):
        raise SupersetError(f"dataset permissions not found: {missing}")
    return [index[pair] for pair in wanted if pair in index]


def ensure_viewer(client: SupersetClient, password: str) -> None:
    """Create or update the viewer role and user (idempotent: permissions are replaced)."""
    datasets = client.list_all(
        "dataset", [{"col": "database", "opr": "rel_o_m", "value": database_id(client)}]
    )
    dataset_perms = [
        client.request("GET", f"/api/v1/dataset/{row['id']}")["result"].get("perm")
        or f"[livelake].[{row['table_name']}](id:{row['id']})"
        for row in datasets
    ]
    role_id = find_id(client, "security/roles", "name", VIEWER_ROLE)
    if role_id is None:
        role_id = client.request("POST", "/api/v1/security/roles/", json={"name": VIEWER_ROLE})[
            "id"
        ]
    client.request(
        "POST",
        f"/api/v1/security/roles/{role_id}/permissions",
        json={"permission_view_menu_ids": permission_ids(client, dataset_perms)},
    )
    user = {
        "first_name": "Dashboard",
        "last_name": "Viewer",
        "username": VIEWER_USER,
        "email": "viewer@livelake.local",
        "active": True,
        "roles": [role_id],
        "password": password,
    }
    user_id = find_id(client, "security/users", "username", VIEWER_USER)
    if user_id is None:
        client.request("POST", "/api/v1/security/users/", json=user)
    else:
        client.request("PUT", f"/api/v1/security/users/{user_id}", json=user)


def database_id(client: SupersetClient) -> int:
    found = find_id(client, "database", "database_name", "livelake")
    if found is None:
        raise SupersetError("the livelake database is not imported")
    return found


def find_id(client: SupersetClient, resource: str, column: str, value: str) -> int | None:
    rows = client.list_all(resource, [{"col": column, "opr": "eq", "value": value}])
    return rows[0]["id"] if rows else None
