"""Fixtures of the production tests: the template database (made once per session) and a
directory per test for the processes' data and logs (printed when a test fails)."""

from __future__ import annotations

import pytest

from .servers import Template, template_database


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Template:
    with template_database(tmp_path_factory.mktemp("template")) as made:
        yield made


@pytest.fixture
def workdir(tmp_path, request):
    """Data (media) and logs of the test's processes; the logs are shown when it fails."""
    yield tmp_path
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for log in sorted((tmp_path / "logs").glob("*.log")):
            print(f"==== {log.name}\n{log.read_text(errors='replace')[-3000:]}")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
