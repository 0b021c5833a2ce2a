"""The landing page: where each part of the helpdesk lives."""
from django.shortcuts import render


def home(request):
    return render(request, "core/home.html")
