"""Issue, list and revoke API keys: `manage.py api_token create|list|revoke`.

The key is printed once, at creation; only its hash is kept.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from otklik.accounts.models import ApiScope, ApiToken, User
from otklik.accounts.tokens import issue_token, revoke_token
from otklik.directory.models import Region


class Command(BaseCommand):
    help = "Issue (the key is printed once), list or revoke API keys."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Issue a key and print it once.")
        create.add_argument("--user", required=True, help="E-mail of the user the key acts as.")
        create.add_argument("--name", required=True, help="The client, e.g. «CRM колл-центра».")
        create.add_argument(
            "--scopes",
            required=True,
            help="Comma-separated: " + ", ".join(ApiScope.values),
        )
        create.add_argument("--region", help="Region code for requests that name none.")
        create.add_argument("--rate", type=int, default=600, help="Requests per minute.")
        create.add_argument("--expires", type=int, help="Days until the key expires.")
        listing = actions.add_parser("list", help="List keys (never the keys themselves).")
        listing.add_argument("--user", help="Only the keys of this e-mail.")
        listing.add_argument(
            "--all", dest="include_all", action="store_true", help="Revoked and expired ones too."
        )
        revoke = actions.add_parser("revoke", help="Revoke the key with this prefix.")
        revoke.add_argument("prefix", help="The key's prefix, as `list` shows it (otk_…).")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, *, user, name, scopes, region, rate, expires, **options):
        owner = User.objects.filter(email__iexact=user.strip()).first()
        if owner is None:
            raise CommandError(f"No user with e-mail {user}")
        chosen = None
        if region:
            chosen = Region.objects.filter(code=region).first()
            if chosen is None:
                raise CommandError(f"No region with code {region}")
        if rate < 1:
            raise CommandError("--rate must be at least 1")
        if expires is not None and expires < 1:
            raise CommandError("--expires must be at least 1 day")
        wanted = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        if not wanted:
            raise CommandError("Give at least one scope")
        try:
            token, key = issue_token(
                user=owner,
                name=name,
                scopes=wanted,
                region=chosen,
                rate_per_minute=rate,
                expires_at=timezone.now() + timedelta(days=expires) if expires else None,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(
            f"Key {token.prefix}… for {owner.email} ({', '.join(token.scopes)}); "
            "it is shown only now:"
        )
        self.stdout.write(key)

    def _list(self, *, user, include_all, **options):
        tokens = ApiToken.objects.select_related("user", "region").order_by("-created_at")
        if not include_all:
            tokens = tokens.usable(timezone.now())
        if user:
            tokens = tokens.filter(user__email__iexact=user.strip())
        for token in tokens:
            state = "revoked" if token.revoked_at else ""
            if not state and token.expires_at and token.expires_at <= timezone.now():
                state = "expired"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            fields = [
                token.prefix,
                token.user.email,
                token.name,
                ",".join(token.scopes),
                token.region.code if token.region else "-",
                f"{token.rate_per_minute}/min",
                f"used {used}",
                state,
            ]
            self.stdout.write("\t".join(fields).rstrip())

    def _revoke(self, *, prefix, **options):
        found = list(ApiToken.objects.filter(prefix=prefix.strip(), revoked_at__isnull=True))
        if not found:
            raise CommandError(f"No active key with prefix {prefix}")
        if len(found) > 1:
            raise CommandError(f"Several keys share the prefix {prefix}; revoke them in the admin")
        revoke_token(found[0])
        self.stdout.write(f"Revoked {found[0]}")
