"""Enqueue jobs under deterministic ids, so repeated requests coalesce.

RQ stores one job per id. ``enqueue_once`` leaves a job that is still waiting
alone. When the job with that id is already running, it enqueues a single
follow-up under ``<id>-next``, so work marked during the run is not lost.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from rq.exceptions import NoSuchJobError
from rq import Retry
from rq.job import Job, JobStatus

from plugin.runtime import Runtime

log = logging.getLogger(__name__)

WAITING = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED}
# Jobs are idempotent, so a job that failed on a passing database error (a lock
# timeout, a dropped connection) runs again after 5, 30 and 120 seconds.
RETRY = Retry(max=3, interval=[5, 30, 120])
JOB_TIMEOUT_SECONDS = 600
RESULT_TTL_SECONDS = 3600
FAILURE_TTL_SECONDS = 7 * 24 * 3600


def _status(runtime: Runtime, job_id: str) -> JobStatus | None:
    try:
        return Job.fetch(job_id, connection=runtime.redis).get_status()
    except NoSuchJobError:
        return None


def enqueue_once(runtime: Runtime, queue_name: str, func: Callable, job_id: str, *args: Any) -> str | None:
    """Enqueue ``func(*args)`` as ``job_id`` unless the same work is already waiting.

    Returns the id of the job that will do the work, or None when the queue runs
    jobs synchronously (tests), in which case the work is already done.
    """
    queue = runtime.queue(queue_name)
    if not queue._is_async:
        queue.enqueue(func, *args, job_timeout=JOB_TIMEOUT_SECONDS)
        return None

    for candidate in (job_id, f"{job_id}-next"):
        state = _status(runtime, candidate)
        if state in WAITING:
            return candidate
        if state == JobStatus.STARTED:
            continue
        queue.enqueue(func, *args, job_id=candidate, job_timeout=JOB_TIMEOUT_SECONDS,
                      result_ttl=RESULT_TTL_SECONDS, failure_ttl=FAILURE_TTL_SECONDS, retry=RETRY)
        log.info("job.enqueued queue=%s job=%s", queue_name, candidate)
        return candidate
    # Both the job and its follow-up are running; the sweeper picks up anything both miss.
    return f"{job_id}-next"
