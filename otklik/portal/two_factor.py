"""The pages of the second factor (enrolment, the code, recovery codes) and the throttle of the
password login. The password login itself is accounts.py beside it; it mixes in
`ThrottledLoginMixin` from here. The rules behind them are otklik/accounts/two_factor.py and
lockout.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from otklik.accounts import landing, lockout, totp, two_factor
from otklik.accounts.lockout import client_address

from .two_factor_forms import CodeForm, RecoveryCodeForm


def lock_message(lock: lockout.Lock) -> str:
    """The same words for every lock (account or address, known account or not)."""
    until = timezone.localtime(lock.until)
    return _("Too many failed attempts. Try again after %(time)s.") % {
        "time": formats.time_format(until, "H:i")
    }


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return landing.landing_url(request.user)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _complete(request, device) -> None:
    # A new session key for the raised privilege, like a login gets one.
    request.session.cycle_key()
    two_factor.mark_verified(request, device)
    lockout.clear_failures(email=request.user.email)


# ---------------------------------------------------------------------------- password step


class ThrottledLoginMixin:
    """Failed logins counted per account and per address (accounts/lockout.py). While a lock
    holds, the password is not even checked; the typed address stays in the form. A complete
    login clears the account's count: for staff that is after the second factor."""

    def post(self, request, *args, **kwargs):
        email = request.POST.get("username", "")[:254]
        address = client_address(request)
        lock = lockout.current_lock(email=email, address=address)
        if lock is not None:
            form = self.get_form_class()(request, initial={"username": email})
            return self._locked(form, lock)
        form = self.get_form()
        if form.is_valid():
            user = form.get_user()
            response = self.form_valid(form)
            if not two_factor.required_for(user):
                lockout.clear_failures(email=user.email)
            return response
        if any(e.code == "invalid_login" for e in form.non_field_errors().as_data()):
            lock = lockout.register_failure(email=email, address=address, step="password")
            if lock is not None:
                return self._locked(form, lock)
        return self.form_invalid(form)

    def _locked(self, form, lock):
        context = self.get_context_data(form=form, lock_message=lock_message(lock))
        return self.render_to_response(context, status=429)


# ---------------------------------------------------------------------------- second factor


def _check_code(request, form, field: str, check) -> tuple[object | None, int]:
    """Run `check` on a valid form under the throttle; returns (what it found or None, the
    page's status)."""
    user = request.user
    address = client_address(request)
    lock = lockout.current_lock(email=user.email, address=address)
    if lock is not None:
        form.is_valid()
        form.add_error(None, lock_message(lock))
        return None, 429
    if not form.is_valid():
        return None, 200
    found = check(user=user, code=form.cleaned_data[field], address=address)
    if found is not None:
        return found, 200
    lock = lockout.register_failure(email=user.email, address=address, step="code")
    if lock is not None:
        form.add_error(None, lock_message(lock))
        return None, 429
    if field == "code":
        form.add_error(
            field,
            _(
                "The code is not right. Check that the phone's clock is correct "
                "and type the newest code."
            ),
        )
    else:
        form.add_error(field, _("This recovery code is not right or has been used."))
    return None, 200


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The code page: a code from the app, or a recovery code."""
    next_url = _next_url(request)
    if not two_factor.required_for(request.user) or two_factor.is_verified(request):
        return redirect(next_url)
    if two_factor.confirmed_device(request.user) is None:
        return redirect(_with_next(reverse("two_factor:setup"), next_url))
    form, recovery_form, status = CodeForm(), RecoveryCodeForm(), 200
    if request.method == "POST":
        if "recovery_code" in request.POST:
            recovery_form = RecoveryCodeForm(request.POST)
            device, status = _check_code(
                request, recovery_form, "recovery_code", two_factor.use_recovery_code
            )
        else:
            form = CodeForm(request.POST)
            device, status = _check_code(request, form, "code", two_factor.verify_code)
        if device is not None:
            _complete(request, device)
            return redirect(next_url)
    context = {"form": form, "recovery_form": recovery_form, "next": next_url}
    return render(request, "registration/two_factor_verify.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrolment: the QR code and the secret as text, confirmed with a code from the app."""
    next_url = _next_url(request)
    user = request.user
    if not two_factor.required_for(user):
        return redirect(next_url)
    try:
        device = two_factor.start_enrolment(user=user)
    except two_factor.AlreadyEnrolled:
        return redirect(_with_next(reverse("two_factor:verify"), next_url))
    form, status = CodeForm(), 200
    if request.method == "POST":
        form = CodeForm(request.POST)
        enrolled, status = _check_code(request, form, "code", two_factor.confirm_enrolment)
        if enrolled is not None:
            device, codes = enrolled
            _complete(request, device)
            request.session[two_factor.SESSION_NEW_CODES] = codes
            return redirect(_with_next(reverse("two_factor:recovery_codes"), next_url))
    context = {
        "form": form,
        "next": next_url,
        "qr": two_factor.qr_svg(device),
        "secret": totp.group(device.secret),
        "account": user.email,
        "issuer": two_factor.ISSUER,
    }
    return render(request, "registration/two_factor_setup.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET"])
def recovery_codes(request):
    """The new recovery codes, shown once (they are kept only as hashes)."""
    if not two_factor.is_verified(request):
        return redirect(_with_next(reverse("two_factor:verify"), request.get_full_path()))
    codes = request.session.pop(two_factor.SESSION_NEW_CODES, None)
    context = {
        "codes": codes,
        "left": two_factor.recovery_codes_left(request.user),
        "next": _next_url(request),
    }
    return render(request, "registration/two_factor_recovery_codes.html", context)


@login_required
@require_POST
def new_recovery_codes(request):
    """Replace the recovery codes (the old ones stop working) and show the new ones once."""
    if not two_factor.is_verified(request):
        return redirect("two_factor:verify")
    request.session[two_factor.SESSION_NEW_CODES] = two_factor.issue_recovery_codes(
        user=request.user
    )
    return redirect(_with_next(reverse("two_factor:recovery_codes"), _next_url(request)))
