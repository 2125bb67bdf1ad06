"""Attachments: size and type limits (extension and content), storage off the web root, access."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partnerhub.helpdesk.models import Attachment, Case, Comment
from tests.helpdesk_factories import CaseFactory, HelpdeskUserFactory

pytestmark = pytest.mark.django_db
LIMIT = 10 * 1024 * 1024
PDF = b"%PDF-1.7\n" + b"x" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
VALID = {
    "area": "contact_center",
    "severity": "3",
    "subject": "Agents cannot log in",
    "description": "Since this morning.",
}


def office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if kind == "docx":
            archive.writestr("word/document.xml", "<w:document/>")
        elif kind == "xlsx":
            archive.writestr("xl/workbook.xml", "<workbook/>")
        else:
            archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def post_case(client, *files):
    return client.post(reverse("helpdesk:new"), {**VALID, "attachments": list(files)})


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("screen.png", PNG, "image/png"),
        ("photo.JPG", JPG, "image/jpeg"),
        ("notes.txt", "Zażółć gęślą jaźń\n".encode(), "text/plain"),
        ("trace.log", b"2026-11-26 09:00 ERROR sip 503\n", "text/plain"),
        ("users.csv", b"email,name\na@b.c,A\n", "text/csv"),
        ("logs.zip", office("zip"), "application/zip"),
        (
            "plan.docx",
            office("docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "numbers.xlsx",
            office("xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_each_allowed_type_is_stored_under_media_root(
    client, full_admin, media, name, content, content_type
):
    client.force_login(full_admin)
    response = post_case(client, SimpleUploadedFile(name, content))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.size, attachment.content_type) == (
        name,
        len(content),
        content_type,
    )
    # stored under a random name in MEDIA_ROOT, not under the name the person chose
    (path,) = stored_files(media)
    assert path.read_bytes() == content and path.name != name


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("setup.exe", b"MZ\x90\x00", "is not an allowed type"),
        ("page.html", b"<html></html>", "is not an allowed type"),
        ("noextension", b"hello", "is not an allowed type"),
        ("fake.pdf", PNG, "does not contain what its extension says"),
        ("fake.png", PDF, "does not contain what its extension says"),
        ("fake.jpg", b"GIF89a" + b"\x00" * 20, "does not contain what its extension says"),
        ("binary.txt", b"\x00\x01\x02\x03binary", "does not contain what its extension says"),
        ("fake.zip", b"PK\x03\x04 not really a zip", "does not contain what its extension says"),
        ("plain.docx", office("zip"), "does not contain what its extension says"),
        ("words.xlsx", office("docx"), "does not contain what its extension says"),
        ("empty.txt", b"", "is empty"),
    ],
)
def test_a_refused_type_names_the_field_and_file_and_stores_nothing(
    client, full_admin, media, name, content, reason
):
    client.force_login(full_admin)
    response = post_case(client, SimpleUploadedFile(name, content))
    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-field="attachments"' in html and reason in html and name in html
    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_file_of_exactly_10_mb_is_accepted_and_one_byte_more_is_refused(
    client, full_admin, media
):
    client.force_login(full_admin)
    at_limit = PDF + b"x" * (LIMIT - len(PDF))
    assert post_case(client, SimpleUploadedFile("big.pdf", at_limit)).status_code == 302
    assert Attachment.objects.get().size == LIMIT
    over = at_limit + b"x"
    response = post_case(client, SimpleUploadedFile("bigger.pdf", over))
    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-field="attachments"' in html and "bigger.pdf" in html
    assert "10,485,761 bytes (10.0 MB)" in html and "at most 10,485,760 bytes (10 MB)" in html
    assert Case.objects.count() == 1 and Attachment.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_one_bad_file_among_good_ones_refuses_them_all(client, full_admin, media):
    client.force_login(full_admin)
    response = post_case(
        client, SimpleUploadedFile("ok.pdf", PDF), SimpleUploadedFile("bad.exe", b"MZ")
    )
    assert response.status_code == 422
    assert not Case.objects.exists() and stored_files(media) == []


def test_at_most_five_files_at_a_time(client, full_admin, media):
    client.force_login(full_admin)
    files = [SimpleUploadedFile(f"f{n}.txt", b"hello") for n in range(6)]
    response = post_case(client, *files)
    assert response.status_code == 422 and "at most 5 files" in response.content.decode()
    assert not Case.objects.exists() and stored_files(media) == []


def test_a_comment_with_a_refused_file_writes_no_comment(client, partner, full_admin, media):
    case = CaseFactory(partner=partner)
    client.force_login(full_admin)
    url = reverse("helpdesk:comment", kwargs={"ref": case.number})
    response = client.post(
        url, {"body": "see file", "attachments": [SimpleUploadedFile("x.pdf", PNG)]}
    )
    assert response.status_code == 422 and 'data-field="attachments"' in response.content.decode()
    assert not Comment.objects.exists() and stored_files(media) == []


def test_a_comment_carries_its_files(client, partner, full_admin, media):
    case = CaseFactory(partner=partner)
    client.force_login(full_admin)
    url = reverse("helpdesk:comment", kwargs={"ref": case.number})
    client.post(
        url, {"body": "see file", "attachments": [SimpleUploadedFile("trace.log", b"ok\n")]}
    )
    attachment = Attachment.objects.get()
    assert attachment.comment == Comment.objects.get() and attachment.case == case


# --- Serving ---------------------------------------------------------------------------------


def upload(client, person) -> Attachment:
    client.force_login(person)
    post_case(client, SimpleUploadedFile("report.pdf", PDF))
    return Attachment.objects.get()


def test_the_partners_people_and_the_team_download_an_attachment(client, full_admin, people):
    attachment = upload(client, full_admin)
    url = reverse("helpdesk:attachment", kwargs={"pk": attachment.pk})
    for person in (people["partner_readonly_admin"], HelpdeskUserFactory()):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith('attachment; filename="report.pdf"')


def test_another_partners_person_gets_404_for_an_attachment(client, full_admin, stranger):
    attachment = upload(client, full_admin)
    client.force_login(stranger)
    url = reverse("helpdesk:attachment", kwargs={"pk": attachment.pk})
    assert client.get(url).status_code == 404


def test_the_user_role_may_not_download(client, full_admin, people):
    attachment = upload(client, full_admin)
    client.force_login(people["user"])
    url = reverse("helpdesk:attachment", kwargs={"pk": attachment.pk})
    assert client.get(url).status_code == 403


def test_uploads_are_not_served_from_a_public_url(client, full_admin):
    attachment = upload(client, full_admin)
    client.logout()
    assert client.get("/uploads/" + attachment.file.name).status_code == 404
    assert client.get("/media/" + attachment.file.name).status_code == 404
    response = client.get(reverse("helpdesk:attachment", kwargs={"pk": attachment.pk}))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("where", ["case_open", "case_comment"])
def test_files_stored_before_a_failure_later_in_the_transaction_are_removed(
    partner, full_admin, media, monkeypatch, where
):
    # given a write that fails after its files were stored (here: the audit record)
    from partnerhub.helpdesk import services

    case = CaseFactory(partner=partner) if where == "case_comment" else None

    def failing_audit(*args: Any, **kwargs: Any) -> None:
        assert stored_files(media), "the files are stored before the audit record"
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(services, "_audit_case", failing_audit)
    files = [SimpleUploadedFile("report.pdf", PDF)]
    # when it runs, then it fails, writes nothing, and leaves no file behind
    with pytest.raises(RuntimeError):
        if where == "case_open":
            services.case_open(user=full_admin, files=files, **VALID)
        else:
            services.case_comment(user=full_admin, case=case, body="More logs", files=files)
    assert not Attachment.objects.exists() and not Comment.objects.exists()
    assert stored_files(media) == []
