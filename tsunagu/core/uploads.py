"""Scanned documents staff attach (a consent form, a 連絡帳 attachment): checked by their bytes, stored
under a random name, and served only through an access-checked, audited view of the owning app.

`checked_document(f, what=...)` accepts a PDF, JPEG or PNG of at most 10 MB and renames it; anything
else raises a ValidationError in Japanese naming `what`. `private_file_response(fieldfile, name)` sends a
stored file with `no-store` and `nosniff`, or raises Http404 when the file is gone.
"""

from __future__ import annotations

import uuid

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# The first bytes of each file type we accept: the browser's content type and the file name are
# the sender's claims; the bytes are what the file is.
DOCUMENT_SIGNATURES = {
    b"%PDF-": ".pdf",
    b"\xff\xd8\xff": ".jpg",
    b"\x89PNG\r\n\x1a\n": ".png",
}
CONTENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}


def checked_document(f: UploadedFile | None, *, what: str) -> UploadedFile | None:
    """`f` if it is a PDF, JPEG or PNG (by content) of at most 10 MB, renamed at random; None for none."""
    if not f:
        return None
    if f.size is None or f.size > MAX_DOCUMENT_BYTES:
        raise forms.ValidationError(f"{what}のファイルは10MB以下にしてください。")
    head = f.read(16)
    f.seek(0)
    ext = next((e for sig, e in DOCUMENT_SIGNATURES.items() if head.startswith(sig)), None)
    if ext is None:
        raise forms.ValidationError(f"{what}はPDF・JPEG・PNGのいずれかのファイルにしてください。")
    # A random name: the stored path must not carry the uploader's file name (it may hold a name).
    f.name = f"{uuid.uuid4().hex}{ext}"
    return f


def private_file_response(stored: FieldFile, filename_stem: str) -> FileResponse:
    """The stored file as a download named `<stem>.<ext>`, never cached; Http404 when it is missing."""
    name = stored.name or ""
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    try:
        fh = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        fh, content_type=CONTENT_TYPES.get(ext, "application/octet-stream"), filename=f"{filename_stem}{ext}"
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
