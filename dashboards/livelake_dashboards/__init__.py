"""livelake's Superset: the dashboards as code, the server that shows them, the viewer role."""
