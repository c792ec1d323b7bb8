"""Uploads are judged by their content and size, never by their name."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image as PILImage

from hack.core.uploads import DOCUMENT_UPLOAD, IMAGE_UPLOAD, validate_upload

TEN_MB = 10 * 1024 * 1024
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def image_bytes(fmt: str = "PNG", size=(4, 3)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("photo.png", "PNG"), ("photo.jpg", "JPEG"), ("photo.webp", "WEBP")],
)
def test_real_images_pass(name, fmt):
    validate_upload(SimpleUploadedFile(name, image_bytes(fmt)), IMAGE_UPLOAD)


def test_image_with_a_misleading_name_still_passes_on_content():
    validate_upload(SimpleUploadedFile("photo.pdf", image_bytes("PNG")), IMAGE_UPLOAD)


def test_text_named_png_is_refused():
    upload = SimpleUploadedFile(
        "photo.png", b"just some text, not a picture\n" * 10, "image/png"
    )
    with pytest.raises(ValidationError) as caught:
        validate_upload(upload, IMAGE_UPLOAD)
    assert caught.value.code == "file_type"


def test_gif_is_not_an_allowed_image_type():
    upload = SimpleUploadedFile("anim.gif", image_bytes("GIF"), "image/gif")
    with pytest.raises(ValidationError) as caught:
        validate_upload(upload, IMAGE_UPLOAD)
    assert caught.value.code == "file_type"


def test_minimal_pdf_passes_as_document():
    validate_upload(
        SimpleUploadedFile("brochure.pdf", MINIMAL_PDF, "application/pdf"),
        DOCUMENT_UPLOAD,
    )


def test_pdf_is_not_an_image():
    with pytest.raises(ValidationError) as caught:
        validate_upload(SimpleUploadedFile("x.png", MINIMAL_PDF), IMAGE_UPLOAD)
    assert caught.value.code == "file_type"


def test_image_is_not_a_document():
    with pytest.raises(ValidationError) as caught:
        validate_upload(
            SimpleUploadedFile("x.pdf", image_bytes("PNG")), DOCUMENT_UPLOAD
        )
    assert caught.value.code == "file_type"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "setup.exe",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,
        ),
        (
            "brochure.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,
        ),
        ("archive.zip", zip_bytes()),
        ("brochure.docx", zip_bytes()),  # a zip is not a Word document
        ("empty.pdf", b""),
        ("notes.pdf", b"plain text pretending to be a PDF"),
    ],
)
@pytest.mark.parametrize("kind", [IMAGE_UPLOAD, DOCUMENT_UPLOAD])
def test_other_content_is_refused(name, content, kind):
    with pytest.raises(ValidationError) as caught:
        validate_upload(SimpleUploadedFile(name, content), kind)
    assert caught.value.code == "file_type"


def test_refusal_names_the_allowed_types():
    upload = SimpleUploadedFile("photo.png", b"text", "image/png")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_upload(upload, IMAGE_UPLOAD)
    assert caught.value.messages == [
        "This type of file cannot be uploaded. Allowed types: JPEG, PNG, WebP."
    ]


@pytest.mark.parametrize("kind", [IMAGE_UPLOAD, DOCUMENT_UPLOAD])
def test_file_over_ten_megabytes_is_refused(kind):
    # A real PNG header, so only the size can be the reason.
    content = image_bytes("PNG")
    content += b"\x00" * (TEN_MB + 1 - len(content))
    upload = SimpleUploadedFile("big.png", content, "image/png")
    assert upload.size == TEN_MB + 1
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_upload(upload, kind)
    assert caught.value.code == "file_too_large"
    assert caught.value.messages == [
        "The file is too large (10.0\xa0MB). The limit is 10.0\xa0MB."
    ]


def test_file_of_exactly_ten_megabytes_is_accepted():
    content = image_bytes("PNG")
    content += b"\x00" * (TEN_MB - len(content))
    validate_upload(SimpleUploadedFile("big.png", content, "image/png"), IMAGE_UPLOAD)


def test_size_message_follows_the_active_language():
    content = b"\x00" * (TEN_MB + 1)
    with translation.override("ja"), pytest.raises(ValidationError) as caught:
        validate_upload(SimpleUploadedFile("big.png", content), IMAGE_UPLOAD)
    assert caught.value.code == "file_too_large"
    message = caught.value.messages[0]
    # The sizes are formatted by Django's Japanese catalogue whatever ours holds.
    assert "10.0\xa0MB" in message


def test_validation_does_not_move_the_read_position():
    upload = png_upload()
    upload.seek(5)
    validate_upload(upload, IMAGE_UPLOAD)
    assert upload.tell() == 5


def test_size_limit_follows_the_setting(settings):
    settings.MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        validate_upload(
            SimpleUploadedFile("photo.png", image_bytes() + b"\x00" * 100), IMAGE_UPLOAD
        )
    assert caught.value.code == "file_too_large"
