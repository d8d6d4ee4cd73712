"""One `livelake` CLI call as a task, its exit code mapped to the task's state.

The CLI's codes (livelake/cli.py): 0 done; 3 done, but some input was rejected or the
data has problems: the task succeeds and the data alert says what (the health task's
report); 4 another run holds the lake or warehouse: the task fails *with* retries
(exponential backoff, default_args); anything else is a real failure: the task fails
at once, no retry (a retry would fail the same way and only delay the e-mail).
"""

from __future__ import annotations

from typing import Any

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

EXIT_OK = 0
EXIT_DATA = 3
EXIT_BUSY = 4


def settle(code: int, command: str) -> None:
    """Raise what Airflow needs to put the task in the state `code` means."""
    if code in (EXIT_OK, EXIT_DATA):
        return
    if code == EXIT_BUSY:
        raise AirflowException(f"`{command}` exit 4: another run holds the lake; retrying")
    raise AirflowFailException(f"`{command}` exit {code}: failed (the log above says why)")


class LivelakeCommand(BashOperator):
    """A BashOperator whose exit codes mean what the livelake CLI says they mean."""

    def execute(self, context: Any) -> str:
        result = self.subprocess_hook.run_command(
            command=["bash", "-c", self.bash_command],
            env=self.get_env(context),
            output_encoding=self.output_encoding,
            cwd=self.cwd,
        )
        if result.exit_code == EXIT_DATA:
            self.log.warning("exit 3: done, with data to fix; the data_alert task e-mails it")
        settle(result.exit_code, self.bash_command)
        return result.output  # the last line (the health task's JSON report)
