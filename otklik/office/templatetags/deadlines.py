"""`{{ days|days_left }}`: the working days left to a deadline, in words («осталось 3 раб.
дня», «срок сегодня», «просрочено на 2 раб. дня»); «—» without a deadline. A filter, not an
included template: the inbox writes it on each of its 50 rows."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def days_left(days: int | None) -> str:
    """Words for `sla.working_days_left` (negative: overdue by that many working days)."""
    if days is None:
        return "—"
    if days == 0:
        return gettext("due today")
    count = abs(days)
    if days < 0:
        text = ngettext(
            "overdue by %(count)s working day", "overdue by %(count)s working days", count
        )
    else:
        text = ngettext("%(count)s working day left", "%(count)s working days left", count)
    return text % {"count": number_format(count)}
