"""Placeholder: replaced in this change."""

from django.http import HttpResponse


def group_list(request, **kwargs):
    return HttpResponse(status=501)


def workspace(request, **kwargs):
    return HttpResponse(status=501)


def message_post(request, **kwargs):
    return HttpResponse(status=501)


def notes_save(request, **kwargs):
    return HttpResponse(status=501)


def notes_versions(request, **kwargs):
    return HttpResponse(status=501)


def meeting_create(request, **kwargs):
    return HttpResponse(status=501)


def meeting_minutes(request, **kwargs):
    return HttpResponse(status=501)


def file_upload(request, **kwargs):
    return HttpResponse(status=501)


def file_download(request, **kwargs):
    return HttpResponse(status=501)


def file_delete(request, **kwargs):
    return HttpResponse(status=501)


def group_leave(request, **kwargs):
    return HttpResponse(status=501)


def join_request(request, **kwargs):
    return HttpResponse(status=501)

