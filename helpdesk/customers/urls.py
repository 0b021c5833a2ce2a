from django.urls import path

from . import apis

urlpatterns = [
    path("customers/", apis.CustomerList.as_view(), name="customer-list"),
    path("customers/<int:pk>/", apis.CustomerDetail.as_view(), name="customer-detail"),
]
