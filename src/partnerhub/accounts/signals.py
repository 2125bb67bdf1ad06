"""Signals of accounts that other apps listen to (they never import the listeners).

`token_used` is sent by the API's token authentication the first time a token is used on a
day (so at most once per token and day): kwargs `token` (the ApiToken), `request`. The sign-in
audit records it as "token use per day".
"""

from __future__ import annotations

from django.dispatch import Signal

token_used = Signal()

# Sent by the password-reset page once a new password is set: kwargs `user`, `request`. The
# sign-in audit records a "password reset" and ends the person's sessions.
password_reset = Signal()

# Sent by `people_services.user_sessions_end` (deactivation, role removal): kwarg `user`. The
# sign-in audit marks the person's sessions ended and deletes them.
sessions_ended = Signal()
