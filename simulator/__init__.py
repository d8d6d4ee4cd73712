"""simulator: a seeded live-streaming platform and its back office's messy exports.

``simulator.generate.generate(inbox, truth_dir, scale, seed, workers)`` writes
the workbooks into ``inbox`` and the ground truth into ``truth_dir``:

expected/<table>.parquet (top_up, pre_deduction, post_deduction, channel_stats, user_activity)
    One row per data row the ingest must load: ``source_file`` (posix path relative
    to the inbox), ``source_sheet``, ``source_row`` (1-based Excel row),
    ``exported_at`` (UTC instant: the ``Exported at``/``匯出時間`` line read as
    Asia/Taipei, else the file mtime), then the canonical columns in lake types.
    Superseded rows (an earlier export of the same order/date) are listed too:
    they are loaded, and resolution happens downstream. Rows of a byte-identical
    duplicate are listed only under the path that sorts first.
expected/_quarantine.parquet
    source_file, source_sheet, source_row, table, column, reason
    (missing | unparseable | negative | unknown_value | not_integer).
expected/_files.parquet
    One row per file in the inbox: sha256, expect (loaded | partial | rejected |
    duplicate), duplicate_of, rejected_sheets (JSON list of {sheet, reason[, column]}
    with reason unreadable | empty | no_header | missing_column; sheet is null for
    a whole unreadable file), exported_at, data_rows (= loaded + quarantined rows
    read from data sheets), loaded_rows, quarantined_rows, rejected_rows (the data
    rows of a sheet missing a column; every non-blank row of a sheet with no
    header). Hidden sheets and Summary/摘要/說明 sheets are not data and are not
    listed.
world/
    The resolved truth (latest export wins; top_up per order, aggregates per date
    and table), plus users (user_id, registered_at = earliest reported), channels,
    streamers (agency null = independent) and _anomalies (the planted breaks:
    gross_mismatch, arithmetic_break, pre_only, post_only, take_rate_spike).

Conventions worth knowing when parsing: ``上午 12:xx`` is 00:xx and ``下午 12:xx`` is
12:xx; ISO timestamps with ``Z`` or ``+09:00`` denote the same instant as the
Taipei wall time stored in the lake; money cells may hold cents.
"""
