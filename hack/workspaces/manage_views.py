"""Placeholder: replaced in this change."""

from django.http import HttpResponse


def group_list(request, **kwargs):
    return HttpResponse(status=501)


def group_create(request, **kwargs):
    return HttpResponse(status=501)


def group_manage(request, **kwargs):
    return HttpResponse(status=501)


def member_add(request, **kwargs):
    return HttpResponse(status=501)


def organization_add(request, **kwargs):
    return HttpResponse(status=501)


def member_remove(request, **kwargs):
    return HttpResponse(status=501)


def request_decide(request, **kwargs):
    return HttpResponse(status=501)


def stage_change(request, **kwargs):
    return HttpResponse(status=501)


def group_close(request, **kwargs):
    return HttpResponse(status=501)

