"""The platform operator's admin (not part of any partner's world)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from partnerhub.accounts.models import ApiToken, Partner, SignInCounter, User
from partnerhub.accounts.people_services import user_sessions_end


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("ext_id", "name", "country", "org_setup_at")
    search_fields = ("ext_id", "name")


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "partner", "role", "is_active", "is_helpdesk", "is_staff")
    list_filter = ("role", "is_active", "is_helpdesk", "is_staff")
    search_fields = ("email", "name")
    exclude = ("password", "user_permissions", "groups")
    readonly_fields = ("last_login", "date_joined")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_sessions_end(user=obj)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "read_only",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = ("digest", "prefix", "expiry_notified_at")


@admin.register(SignInCounter)
class SignInCounterAdmin(admin.ModelAdmin):
    """Sign-in locks in force; deleting a row lifts that lock at once."""

    list_display = ("scope", "failures", "window_start", "window_end", "mailed_at")
    list_filter = ("scope",)
    readonly_fields = ("key", "scope", "failures", "window_start", "window_end", "mailed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
