"""API tokens: the key is shown once and stored as a hash; revoked, expired and inactive keys
find nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from otklik.accounts.models import ApiScope, ApiToken
from otklik.accounts.tokens import find_token, issue_token, key_from_header, revoke_token

pytestmark = pytest.mark.django_db


def test_an_issued_key_finds_its_token_and_only_its_hash_is_stored(citizen):
    token, key = issue_token(user=citizen, name="Бот", scopes=[ApiScope.APPEALS_FILE])
    assert key.startswith("otk_") and len(key) > 40
    assert find_token(key) == token
    stored = ApiToken.objects.get()
    assert key not in (stored.key_hash, stored.prefix) and key.startswith(stored.prefix)
    assert stored.scopes == ["appeals:file"]


def test_unknown_scopes_are_refused(citizen):
    with pytest.raises(ValidationError):
        issue_token(user=citizen, name="x", scopes=["appeals:everything"])


def test_revoked_expired_and_inactive_keys_find_nothing(citizen, other_citizen):
    revoked, revoked_key = issue_token(user=citizen, name="a", scopes=[])
    revoke_token(revoked)
    _expired, expired_key = issue_token(
        user=citizen, name="b", scopes=[], expires_at=timezone.now() - timedelta(minutes=1)
    )
    _inactive, inactive_key = issue_token(user=other_citizen, name="c", scopes=[])
    other_citizen.is_active = False
    other_citizen.save(update_fields=["is_active"])
    assert find_token(revoked_key) is None
    assert find_token(expired_key) is None
    assert find_token(inactive_key) is None
    assert find_token("") is None and find_token("otk_" + "x" * 300) is None


def test_last_use_is_written_at_most_once_a_minute(citizen, django_assert_num_queries):
    token, key = issue_token(user=citizen, name="a", scopes=[])
    now = timezone.now()
    with django_assert_num_queries(2):
        find_token(key, now=now)
    with django_assert_num_queries(1):
        find_token(key, now=now + timedelta(seconds=30))
    token.refresh_from_db()
    assert token.last_used_at == now


@pytest.mark.parametrize(
    ("header", "key"),
    [("Bearer otk_1", "otk_1"), ("token otk_2", "otk_2"), ("Basic abc", ""), ("", "")],
)
def test_the_key_is_read_from_bearer_or_token_headers(header, key):
    assert key_from_header(header) == key
