"""The interactive API docs (/api/v1/docs) render in Chromium under our self-only CSP: Swagger UI
comes from ninja's local static files, with no inline script and nothing from a CDN."""

import pytest

from tests.browser.helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_swagger_docs_render_under_the_csp(page):
    problems = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    external = []
    page.on(
        "request",
        lambda request: (
            external.append(request.url)
            if not request.url.startswith(("http://localhost", "http://127.0.0.1", "data:"))
            else None
        ),
    )
    response = page.goto("/api/v1/docs")
    assert response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock-summary").first.wait_for()
    assert page.get_by_text("File an appeal").first.is_visible()
    assert page.get_by_text("Categories as a tree").first.is_visible()
    assert page.locator(".opblock").count() >= 10
    screenshot(page, "api-docs")
    assert not problems, problems
    assert not external, external
