"""The public side: map and list of appeals, municipalities' pages, the rules of moderation."""

urlpatterns: list = []
