from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "otklik.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        # lib/periodic.py has the whole table of periodic jobs and its order.
        from otklik.lib import periodic

        # First: a task whose worker died runs again, before anything new is queued.
        periodic.register("tasks_recovered", _recover_stale_tasks, order=0)
        # 152-ФЗ retention and old task results, once a day (ops/retention.py).
        periodic.register("accounts_anonymised", _run_retention, order=130)


def _recover_stale_tasks() -> int:
    from otklik.lib import task_recovery

    return task_recovery.recover_stale_tasks()


def _run_retention() -> int:
    from . import retention

    return retention.run_daily()
