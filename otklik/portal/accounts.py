"""Citizens' accounts: sign-up with confirmation, login, password reset, profile, deletion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from otklik.accounts import identity, landing, services

from .account_forms import (
    DeleteAccountForm,
    LoginForm,
    PasswordResetForm,
    ProfileForm,
    ResendConfirmationForm,
    SetPasswordForm,
    SignUpForm,
)
from .two_factor import ThrottledLoginMixin

SIGNUP_EMAIL = "otklik_signup_email"


# ---------------------------------------------------------------------------- sign-up


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("portal:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sign_up(
                email=data["email"],
                full_name=data["full_name"],
                password=data["password1"],
                phone=data["phone"],
            )
        except services.AlreadyRegistered as error:
            form.add_error("email", error.message)
        else:
            request.session[SIGNUP_EMAIL] = data["email"]
            return redirect("portal:signup_sent")
    return render(request, "portal/account/signup.html", {"form": form})


@require_GET
def signup_sent(request):
    email = request.session.get(SIGNUP_EMAIL, "")
    form = ResendConfirmationForm(initial={"email": email})
    return render(request, "portal/account/signup_sent.html", {"email": email, "form": form})


@require_http_methods(["GET", "POST"])
def resend_confirmation(request):
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        services.resend_confirmation(email=email)
        request.session[SIGNUP_EMAIL] = services.normalize_email(email)
        # The same answer whether or not the address is registered.
        messages.info(
            request, _("If this address waits for confirmation, a new letter is on its way.")
        )
        return redirect("portal:signup_sent")
    return render(request, "portal/account/resend.html", {"form": form})


@require_http_methods(["GET", "POST"])
def confirm_email(request, token):
    """GET shows a button, POST confirms: a mail scanner that opens the link changes nothing,
    and another site cannot log a visitor into its own account (a CSRF-protected POST)."""
    try:
        if request.method == "POST":
            user = services.confirm_email(token=token)
        else:
            user = services.check_confirmation(token)
    except services.InvalidConfirmation as error:
        email = error.user.email if error.user is not None and error.reason == "expired" else ""
        return render(
            request,
            "portal/account/confirm_invalid.html",
            {"reason": error.reason, "form": ResendConfirmationForm(initial={"email": email})},
            status=200 if error.reason == "used" else 400,
        )
    if request.method == "GET":
        return render(request, "portal/account/confirm.html", {"email": user.email})
    identity.log_in(request, user, provider=identity.PasswordProvider.code)
    request.session.pop(SIGNUP_EMAIL, None)
    return render(request, "portal/account/confirmed.html")


# ---------------------------------------------------------------------------- login


class PasswordLoginView(ThrottledLoginMixin, auth_views.LoginView):
    authentication_form = LoginForm
    template_name = "registration/login.html"

    def form_valid(self, form):
        identity.log_in(self.request, form.get_user(), provider=identity.PasswordProvider.code)
        return redirect(self.get_success_url())

    def get_default_redirect_url(self):
        # No safe `next`: staff start in the office, citizens on the portal.
        return landing.landing_url(self.request.user)

    def form_invalid(self, form):
        context = self.get_context_data(form=form)
        if form.unconfirmed:
            context["resend_form"] = ResendConfirmationForm(
                initial={"email": form.data.get("username", "")}
            )
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["providers"] = identity.external_providers()
        return context


login_view = PasswordLoginView.as_view()


@require_POST
def logout_view(request):
    provider_logout = identity.log_out(request)
    messages.info(request, _("You have logged out."))
    return redirect(provider_logout or "portal:home")


# ---------------------------------------------------------------------------- profile


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            services.update_profile(user=user, **form.cleaned_data)
            messages.success(request, _("Your profile is saved."))
            return redirect("portal:profile")
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(user))
    return render(request, "portal/account/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    refusal = services.deletion_refusal(request.user)
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            services.delete_account(user=request.user)
        except services.DeletionRefused as error:  # became staff since the page was shown
            refusal = error.message
        else:
            identity.log_out(request)
            return redirect("portal:account_deleted")
    return render(request, "portal/account/delete.html", {"form": form, "refusal": refusal})


@require_GET
def account_deleted(request):
    return render(request, "portal/account/deleted.html")


@require_GET
def privacy(request):
    return render(request, "portal/account/privacy.html")


# ---------------------------------------------------------------------------- passwords

password_views = [
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change_form.html",
            success_url=reverse_lazy("portal:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            template_name="registration/password_reset_form.html",
            success_url=reverse_lazy("portal:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=SetPasswordForm,
            template_name="registration/password_reset_confirm.html",
            success_url=reverse_lazy("portal:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

# Login and logout keep their global names `login` and `logout` (otklik/urls.py).
urlpatterns = [
    path("accounts/signup/", signup, name="signup"),
    path("accounts/signup/sent/", signup_sent, name="signup_sent"),
    path("accounts/confirm/resend/", resend_confirmation, name="resend_confirmation"),
    path("accounts/confirm/<str:token>/", confirm_email, name="confirm_email"),
    path("accounts/profile/", profile, name="profile"),
    path("accounts/delete/", delete_account, name="delete_account"),
    path("accounts/deleted/", account_deleted, name="account_deleted"),
    path("privacy/", privacy, name="privacy"),
    *password_views,
]
