"""What the daily DAG is made of, kept out of the DAG file so it stays a list of steps:
its settings from the environment (settings), the operator that runs one `livelake`
command and turns its exit code into a task state (command), and the three e-mails
(alerts). Airflow puts dags/ on sys.path, so this package imports as is."""
