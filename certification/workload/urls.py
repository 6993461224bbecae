"""URLs of the workload pages; included by certification/urls.py under the certification namespace."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
