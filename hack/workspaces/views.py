from django.http import HttpResponse


def group_list(request):
    return HttpResponse("")


def workspace(request, pk):
    return HttpResponse("")


def group_manage(request, pk):
    return HttpResponse("")
