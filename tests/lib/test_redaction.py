"""Credentials never reach an access log: key and token query values, signed-link paths."""

import pytest

from otklik.lib.redaction import redact_path, redact_query, redact_url


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("api_key=otk_demo_open311_2026&service_code=potholes", "api_key=…&service_code=potholes"),
        ("token=abc&page=2", "token=…&page=2"),
        ("KEY=1&Idempotency_Key=2&access_token=3", "KEY=…&Idempotency_Key=…&access_token=…"),
        ("signature=s&password=p&status=open", "signature=…&password=…&status=open"),
        ("page=2&page_size=20", "page=2&page_size=20"),
    ],
)
def test_credential_values_of_the_query_are_hidden(query, expected):
    assert redact_query(query) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/accounts/password/reset/MTI/cbx1-4f5e6a/", "/accounts/password/reset/…/…/"),
        ("/accounts/password/reset/MTI/set-password/", "/accounts/password/reset/…/…/"),
        ("/accounts/password/reset/sent/", "/accounts/password/reset/sent/"),
        ("/accounts/password/reset/complete/", "/accounts/password/reset/complete/"),
        ("/accounts/confirm/MTI:1vabc:sig/", "/accounts/confirm/…/"),
        ("/accounts/confirm/resend/", "/accounts/confirm/resend/"),
        ("/q/eyJzZWNyZXQiOiJsaW5rIn0:1vabc:sig/", "/q/…/"),
        ("/open311/v2/tokens/IjQ4LTIwMjYi:1x:sig.json", "/open311/v2/tokens/….json"),
        ("/office/appeals/48-2026-000001/", "/office/appeals/48-2026-000001/"),
    ],
)
def test_signed_link_segments_of_the_path_are_hidden(path, expected):
    assert redact_path(path) == expected


def test_a_request_line_and_a_full_url_lose_both():
    line = "GET /accounts/confirm/MTI:sig/?next=/&token=abc HTTP/1.1"
    assert redact_url(line) == "GET /accounts/confirm/…/?next=/&token=… HTTP/1.1"
    url = "https://otklik.example.ru/accounts/password/reset/MTI/abc-123/?api_key=k"
    assert redact_url(url) == "https://otklik.example.ru/accounts/password/reset/…/…/?api_key=…"
