from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from otklik.accounts import totp
from otklik.demo.region import DEMO_API_KEYS, DEMO_LOGINS, DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print where to open the product and the demo logins, one per role."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://localhost:8000/")

    def handle(self, *args, url, **options):
        self.stdout.write("")
        self.stdout.write(_("Otklik is running: open %(url)s") % {"url": url})
        self.stdout.write(_("Administration: %(url)sadmin/") % {"url": url})
        self.stdout.write(_("Demo logins (role — e-mail — password):"))
        for role, email, password in DEMO_LOGINS:
            self.stdout.write(f"  {role:<28} {email:<32} {password}")
        if settings.STAFF_TWO_FACTOR:
            self.stdout.write(
                _(
                    "Staff logins also ask for a code from an authenticator app: add the key "
                    "%(secret)s to any TOTP app, or print the code with "
                    "`manage.py totp_code EMAIL`."
                )
                % {"secret": totp.group(DEMO_TOTP_SECRET)}
            )
        self.stdout.write(
            _("API: %(url)sapi/v1/docs (REST), %(url)sopen311/v2/discovery.json (Open311)")
            % {"url": url}
        )
        self.stdout.write(_("Demo API keys (client — key — acts as):"))
        for name, email, key, _scopes in DEMO_API_KEYS:
            self.stdout.write(f"  {name:<28} {key:<32} {email}")
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(
                _("Letters (sign-up confirmations, appeal news) are saved in %(path)s")
                % {"path": settings.EMAIL_FILE_PATH}
            )
        self.stdout.write(_("Stop with Ctrl+C."))
