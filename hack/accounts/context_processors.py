from .roles import get_organization_of, is_coordinator, is_department_staff


def roles(request):
    user = request.user
    return {
        "is_coordinator": is_coordinator(user),
        "is_department_staff": is_department_staff(user),
        "my_organization": get_organization_of(user),
    }
