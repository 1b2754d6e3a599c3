"""Forms of citizens' accounts: they check input; writes go through accounts.services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from otklik.accounts import services
from otklik.accounts.forms import PhoneField
from otklik.accounts.models import User
from otklik.notifications.services import greeting, notify


class AccountForm(forms.Form):
    """No colons after labels; the house style of the other forms."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SignUpForm(AccountForm):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        help_text=_("As you want to be addressed in letters. Never shown in public."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = PhoneField(
        label=_("Phone (optional)"),
        help_text=_(
            "The control centre may call you to check that your problem was really solved. "
            "Never shown in public."
        ),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only digits and not a common word."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_("I agree to the processing of my personal data"),
        error_messages={
            "required": _("Without your consent we cannot create an account (152-FZ).")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].help_text = format_html(
            '<a href="{}">{}</a>',
            reverse("portal:privacy"),
            gettext("How we process personal data (152-FZ)"),
        )

    def clean_email(self):
        return services.normalize_email(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            probe = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(password1, user=probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class ResendConfirmationForm(AccountForm):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form that also turns away addresses that are not confirmed yet."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "unconfirmed": _(
            "Your e-mail address is not confirmed yet. Open the link from our letter, or have "
            "it sent again below."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        # Staff and administrators are created confirmed or by an administrator.
        if user.email_confirmed_at is None and user.is_applicant_only and not user.is_staff:
            raise forms.ValidationError(self.error_messages["unconfirmed"], code="unconfirmed")

    @property
    def unconfirmed(self) -> bool:
        return any(e.code == "unconfirmed" for e in self.non_field_errors().as_data())


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form; the letter goes through our notifications so that a mail server
    that is down delays it instead of breaking the page."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        link = settings.SITE_URL + reverse(
            "portal:password_reset_confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        body = "\n\n".join(
            [
                greeting(user),
                gettext("To set a new password for Otklik, open this link:"),
                link,
                gettext("If you did not ask for it, ignore this letter: your password stays."),
            ]
        )
        notify(recipient=user, subject=gettext("A new password for Otklik"), body=body)


class SetPasswordForm(auth_forms.SetPasswordForm):
    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            # The reset link reached the mailbox: the address is confirmed as well.
            services.mark_email_confirmed(user=user)
        return user


class ProfileForm(AccountForm):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = PhoneField(
        label=_("Phone"),
        help_text=_("Optional: staff may call you about your appeal."),
    )
    notify_by_email = forms.BooleanField(
        label=_("Write to me about my appeals by e-mail"),
        required=False,
        help_text=_("Letters about the progress of my appeals and of those I support."),
    )
    notify_every_step = forms.BooleanField(
        label=_("At every step"),
        required=False,
        help_text=_("Otherwise only when an answer is published or something is asked of me."),
    )

    @classmethod
    def initial_for(cls, user: User) -> dict:
        return {name: getattr(user, name) for name in cls.base_fields}


class DeleteAccountForm(AccountForm):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is wrong."))
        return password
