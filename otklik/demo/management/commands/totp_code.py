"""`manage.py totp_code EMAIL`: the current second-factor code of a demo staff login.

Only for devices enrolled with the demo's published key (otklik.demo.region.DEMO_TOTP_SECRET):
anyone can compute those codes anyway, so the command reveals nothing. Any other device is
refused, DEBUG or not — a shell on a production server must not become a way around the
second factor."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from otklik.accounts import totp
from otklik.accounts.models import TotpDevice
from otklik.demo.region import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo staff login (demo key only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        device = TotpDevice.objects.filter(user__email=email.strip().lower()).first()
        if device is None:
            raise CommandError(f"{email}: no authenticator app is set up for this login")
        if device.secret != DEMO_TOTP_SECRET:
            raise CommandError(
                f"{email}: not a demo login (its key is not the published demo key); "
                "codes of real accounts are only in their owner's app"
            )
        now = timezone.now().timestamp()
        left = totp.STEP_SECONDS - int(now) % totp.STEP_SECONDS
        self.stdout.write(totp.code_at(device.secret, now))
        self.stderr.write(f"valid for {left} more seconds")
