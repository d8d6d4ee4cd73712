"""What every livelake package shares: where a world lives, which warehouse is the target,
how BigQuery is reached.

The bottom of the import graph: it imports no other package of the repo, so the stages
(ingest, lake, promote, simulator) and the command line above them read the same
settings (tests/test_import_graph.py keeps the graph one way).
"""
