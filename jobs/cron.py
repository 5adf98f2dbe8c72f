"""The schedule for ``rq cron jobs.cron``: periodic jobs under fixed names.

``rq cron`` keeps one entry per name, so restarting the scheduler never doubles
a periodic job.
"""

from rq import cron

from .maintenance import sweep
from .push import push_all
from .recompute import reconcile_all
from .sync import catch_up_all

cron.register(sweep, queue_name="maintenance", interval=60, name="sweep")
cron.register(reconcile_all, queue_name="maintenance", cron="15 3 * * *", name="reconcile-daily", job_timeout=3600)
cron.register(catch_up_all, queue_name="maintenance", cron="45 2 * * *", name="catch-up-daily", job_timeout=3600)
cron.register(push_all, queue_name="maintenance", cron="45 3 * * *", name="push-daily", job_timeout=3600)
