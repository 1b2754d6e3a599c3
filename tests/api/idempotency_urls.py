"""A bare POST view under /api/ for the idempotency middleware's tests: it files an appeal with
no key of its own, so only the middleware stands between a retry and a second appeal."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from otklik.appeals import services
from otklik.directory.models import Region

FAIL_NEXT = {"count": 0}


@csrf_exempt
def file_appeal(request):
    appeal = services.submit_appeal(region=Region.objects.get(), text=request.POST.get("text", ""))
    if FAIL_NEXT["count"]:
        FAIL_NEXT["count"] -= 1
        raise RuntimeError("the server failed after writing")
    return JsonResponse({"number": appeal.number}, status=201, headers={"Location": "/x"})


@csrf_exempt
def refuse(request):
    return JsonResponse({"error": "throttled"}, status=429)


urlpatterns = [
    path("api/test/appeals/", file_appeal),
    path("api/test/refuse/", refuse),
    path("elsewhere/appeals/", file_appeal),
]
