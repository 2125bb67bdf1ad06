"""The platform operator's view of customers."""

from django.contrib import admin

from partnerhub.customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("ext_id", "name", "partner", "created", "country")
    list_filter = ("partner",)
    search_fields = ("ext_id", "name")
