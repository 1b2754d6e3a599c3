from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import two_factor
from .models import ApiScope, ApiToken, Membership, User
from .tokens import issue_token, revoke_token


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["region", "municipality", "organization"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "phone", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "memberships__role"]
    search_fields = ["email", "full_name", "phone"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal data"), {"fields": ["full_name", "phone"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined", "anonymized_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined", "anonymized_at"]
    actions = ["reset_two_factor"]

    @admin.action(
        description=_("Reset the authenticator app (second factor)"),
        permissions=["change"],
    )
    def reset_two_factor(self, request, queryset):
        """A lost phone: the person enrols a new app at the next login (written to the log)."""
        count = sum(
            two_factor.reset_device(user=user, actor=request.user) for user in queryset.iterator()
        )
        self.message_user(
            request,
            ngettext(
                "The authenticator app of %(count)d user was reset.",
                "The authenticator apps of %(count)d users were reset.",
                count,
            )
            % {"count": count},
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "municipality", "organization", "position", "phone"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "organization__name"]
    autocomplete_fields = ["user", "region", "municipality", "organization"]


class ApiTokenForm(forms.ModelForm):
    """Scopes as checkboxes; the key itself is never a field."""

    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scopes", "region", "rate_per_minute", "expires_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API keys: issued here (the key is shown once, in a message), listed and revoked."""

    form = ApiTokenForm
    list_display = [
        "name",
        "prefix",
        "user",
        "scope_list",
        "region",
        "rate_per_minute",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "region"]
    search_fields = ["name", "prefix", "user__email"]
    autocomplete_fields = ["user", "region"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_fields(self, request, obj=None):
        fields = ["user", "name", "scopes", "region", "rate_per_minute", "expires_at"]
        if obj is not None:
            fields += ["prefix", "created_at", "last_used_at", "revoked_at"]
        return fields

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = issue_token(
            user=obj.user,
            name=obj.name,
            scopes=form.cleaned_data["scopes"],
            region=obj.region,
            rate_per_minute=obj.rate_per_minute,
            expires_at=obj.expires_at,
        )
        obj.pk, obj.prefix, obj.key_hash = token.pk, token.prefix, token.key_hash
        obj.scopes, obj.created_at = token.scopes, token.created_at
        obj._state.adding = False
        messages.warning(
            request,
            _("The key of «%(name)s», shown only now — copy it: %(key)s")
            % {"name": token.name, "key": key},
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_token(token)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count) % {"count": count},
        )
