"""The demo's appeals and published answers come with their public copies, greetings by name
masked, as the outbox would have made them."""

from otklik.appeals.models import Answer, Appeal


def test_every_demo_appeal_and_published_answer_has_a_public_copy(built):
    assert not Appeal.objects.filter(public_text__isnull=True).exists()
    published = Answer.objects.filter(state=Answer.State.PUBLISHED)
    assert not published.filter(public_text__isnull=True).exists()
    greeted = published.filter(text__startswith="Уважаем").first()
    assert greeted is not None
    assert greeted.public_text.split("!")[0] in ("Уважаемый [имя скрыто]", "Уважаемая [имя скрыто]")
