"""`{{ text|excerpt:160 }}`: a list's excerpt cut on a word boundary (lib/excerpts.py)."""

from django import template

from otklik.lib.excerpts import excerpt as cut

register = template.Library()


@register.filter
def excerpt(text, limit=160):
    """The first whole words of `text` within `limit` characters, with «…» if it was cut."""
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        return text
    return cut(str(text or ""), limit)
