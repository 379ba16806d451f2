"""Who may see what: users and roles (users.py), sign-in and the guard every request passes (login.py).

The web layer's package beside dashboards/: it puts the signed-in user's scope (query.scope) on each request; the
query layer applies it to every query.
"""

from access.login import (
           AccessSettings,
           app_db,
           audit,
           csrf_token,
           current_scope,
           install,
           signed_in_user,
           use_scope,
           user_can,
)
from access.users import Capability, Role, User, Users, UsersFileError, load_users

__all__ = ["AccessSettings", "Capability", "Role", "User", "Users", "UsersFileError", "app_db", "audit", "csrf_token",
           "current_scope", "install", "load_users", "signed_in_user", "use_scope", "user_can"]
