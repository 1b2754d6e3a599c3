"""The same seed and moment give the same region, to the last comment."""

import random
import re

from otklik.appeals.models import Appeal


def test_same_seed_gives_the_same_history(built):
    assert built.digest == built.first_digest


def test_texts_vary_and_are_never_placeholders(built):
    texts = list(Appeal.objects.values_list("text", flat=True))
    assert len(set(texts)) > 0.9 * len(texts)
    for text in texts:
        assert "{" not in text and "}" not in text
        assert "lorem" not in text.lower()
        assert not re.search(r"\bв в\b", text.lower()), text


def test_the_generator_uses_its_own_random_only(built):
    # A build must not consume the global random state (it would make others' tests flaky).
    state = random.getstate()
    from django.core.management import call_command

    call_command(
        "build_demo", "--appeals=5", "--now=2026-11-20T12:00:00+03:00", "--force", verbosity=0
    )
    assert random.getstate() == state
