from django.urls import path  # noqa: F401

from .workload.urls import urlpatterns as workload_urlpatterns

app_name = "certification"

urlpatterns: list = []
urlpatterns += workload_urlpatterns
