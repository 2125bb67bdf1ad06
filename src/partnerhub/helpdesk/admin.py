"""The operator's view of helpdesk cases (the team works them in the app's queue)."""

from django.contrib import admin

from partnerhub.helpdesk.models import Attachment, Case, Comment, StatusChange


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    readonly_fields = ("author", "by_helpdesk", "body", "created_at")


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ("from_status", "to_status", "by", "at")


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("name", "size", "content_type", "uploaded_by", "created_at")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "subject", "partner", "area", "severity", "status", "assignee")
    list_filter = ("status", "area", "severity", "partner")
    search_fields = ("number", "subject")
    list_select_related = ("partner", "assignee")
    readonly_fields = ("number", "partner", "opened_by", "customer", "created_at", "updated_at")
    inlines = [CommentInline, AttachmentInline, StatusChangeInline]
