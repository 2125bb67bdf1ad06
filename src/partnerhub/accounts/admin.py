"""The platform operator's admin (not part of any partner's world)."""

from django.contrib import admin

from partnerhub.accounts.models import ApiToken, Partner, User


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("digest", "prefix")
