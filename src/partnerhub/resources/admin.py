"""The operator curates resources: featured and quick-link flags, and external links."""

from django.contrib import admin

from partnerhub.resources.models import Resource, ResourceClick


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ("title", "ext_id", "type", "language", "featured", "quick_link")
    list_editable = ("featured", "quick_link")
    list_filter = ("type", "language", "featured", "quick_link")
    search_fields = ("ext_id", "title", "summary")


@admin.register(ResourceClick)
class ResourceClickAdmin(admin.ModelAdmin):
    list_display = ("resource", "partner", "user", "at")
    list_filter = ("partner",)
    list_select_related = ("resource", "partner", "user")
    readonly_fields = ("resource", "partner", "user", "at")
