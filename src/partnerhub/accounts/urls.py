from django.contrib.auth import views as auth_views
from django.urls import path

from partnerhub.accounts import language_views, people_views, views
from partnerhub.core import audit_views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    # Under login/: public pages, like signing in (an e-mailed link lifts a sign-in lock).
    path("login/unlock/", views.unlock_request, name="unlock_request"),
    path("login/unlock/<uidb64>/<token>/", views.unlock, name="unlock"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The language switcher: anyone (signed in: kept on their profile; before: a cookie).
    path("language/", language_views.language_choose, name="language"),
    path("password/change/", views.StyledPasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.StyledPasswordResetView.as_view(), name="password_reset"),
    path("password/reset/done/", views.password_reset_done, name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.StyledPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    # The partner's people (Administrators, Users, Roles and security, invitations).
    path("admins/", people_views.admins, name="admins"),
    path("users/", people_views.users, name="users"),
    path("users/invite/", people_views.invite, name="invite"),
    path("users/<int:pk>/", people_views.user_detail, name="user_detail"),
    path("users/<int:pk>/role/", people_views.user_role, name="user_role"),
    # The partner-wide audit trail (Activity), beside the people whose changes it lists.
    path("activity/", audit_views.activity, name="activity"),
]
