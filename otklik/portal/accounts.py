"""Citizens' accounts: sign-up with confirmation, login, password reset, profile, deletion."""

urlpatterns: list = []
