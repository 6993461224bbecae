from django.urls import path

from . import views

app_name = "lti"

urlpatterns = [
    path("jwks/", views.jwks, name="jwks"),
    # Dynamic registration tells the platform one login URL for all: found by issuer + client ID.
    path("login/", views.LoginInitView.as_view(), name="login_any"),
    path("login/<uuid:registration_uuid>/", views.LoginInitView.as_view(), name="login"),
    path("launch/", views.LaunchView.as_view(), name="launch"),
    path("register/<str:token>/", views.DynamicRegistrationView.as_view(), name="register"),
    path("deep-link/", views.DeepLinkView.as_view(), name="deep_link"),
]
