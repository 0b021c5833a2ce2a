from django.urls import path

from . import apis

urlpatterns = [path("nps/", apis.NpsResponseList.as_view(), name="nps-list")]
