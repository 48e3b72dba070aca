"""Two-step sign-in (django-otp): set up an authenticator app at the first sign-in (a QR code) with recovery
codes, then a six-digit code, or a recovery code, after the password. Required for the manager and the admin
site (sps.middleware.TwoFactorMiddleware), optional for everyone else."""

import base64
import secrets

import qrcode
import qrcode.image.svg
from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sps.models import User

RECOVERY_CODES = 10


class CodeForm(forms.Form):
    code = forms.CharField(label="Code", max_length=16, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}))

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "").strip()


def _qr_code(url: str) -> str:
    """The authenticator set-up address as an SVG data URI: drawn here, no request to another host."""
    svg = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _new_recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes")
    device.token_set.all().delete()
    codes = [secrets.token_hex(4) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor(request: HttpRequest) -> HttpResponse:
    """The second step: the code from the app (or a recovery code); or, the first time, set the app up."""
    user = request.user
    if user.is_verified():
        return redirect("home")
    if not user_has_device(user, confirmed=True):
        return _enrol(request, user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device := match_token(user, form.cleaned_data["code"]):
            otp_login(request, device)
            return redirect("home")
        form.add_error("code", "That code is not right, or has been used. Try the current code from your app, "
                               "or one of your recovery codes.")
    return render(request, "registration/two_factor.html", {"form": form})


@transaction.atomic
def _enrol(request: HttpRequest, user: User) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            return render(request, "registration/recovery_codes.html", {"codes": _new_recovery_codes(user)})
        form.add_error("code", "That code is not right. Check the time on your phone and enter the current code.")
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "registration/two_factor_setup.html", {
        "form": form, "qr_code": _qr_code(device.config_url),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    })
