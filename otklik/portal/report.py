"""Reporting a problem: the guided form, similar appeals nearby, «у меня та же проблема»."""

urlpatterns: list = []
