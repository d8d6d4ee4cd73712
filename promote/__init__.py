"""Promotion of the committed lake to BigQuery (`livelake promote`)."""
