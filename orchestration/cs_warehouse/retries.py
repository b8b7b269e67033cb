"""Retries: transient failures (a locked file, an interrupted process) are retried with backoff.

Data failures (a failing check or dbt test, a model error) raise `Failure(allow_retries=False)`:
rerunning cannot fix them.
"""

from dagster import Backoff, Jitter, RetryPolicy

TRANSIENT_FAILURE_RETRY_POLICY = RetryPolicy(
    max_retries=3,
    delay=15,
    backoff=Backoff.EXPONENTIAL,
    jitter=Jitter.PLUS_MINUS,
)
