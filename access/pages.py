"""The sign-in page: plain HTML served by Flask (it must work before any Dash request is allowed), with the app's
own stylesheets, labelled fields, the browser's password manager welcome (autocomplete) and its message read out
(role=alert)."""

LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in · {{ title }}</title>
  <link rel="stylesheet" href="/assets/00-bootstrap-5.3.6.min.css">
  <link rel="stylesheet" href="/assets/borough.css">
</head>
<body>
  <header class="site-nav navbar bg-white" aria-label="Site">
    <div class="container"><span class="navbar-brand">{{ title }}</span></div>
  </header>
  <main id="main-content" class="container py-4">
    <div class="login-panel">
      <h1 class="h3 mb-3">Sign in</h1>
      {% if message %}<p class="alert alert-danger" role="alert" id="login-message">{{ message }}</p>{% endif %}
      {% if passwords %}
      <form method="post" action="/login" novalidate>
        <input type="hidden" name="csrf" value="{{ csrf }}">
        <input type="hidden" name="next" value="{{ next }}">
        <div class="mb-3">
          <label class="form-label" for="login-username">Username</label>
          <input class="form-control" id="login-username" name="username" autocomplete="username" required
                 value="{{ username }}" autocapitalize="none" spellcheck="false">
        </div>
        <div class="mb-3">
          <label class="form-label" for="login-password">Password</label>
          <input class="form-control" id="login-password" name="password" type="password"
                 autocomplete="current-password" required>
        </div>
        <button class="btn btn-primary" id="login-submit" type="submit">Sign in</button>
      </form>
      {% endif %}
      {% if oidc %}<p class="mt-3"><a class="btn {{ 'btn-primary' if not passwords else 'btn-outline-primary' }}"
        id="login-oidc" href="/login/oidc?next={{ next | urlencode }}">Sign in with {{ oidc }}</a></p>{% endif %}
    </div>
  </main>
</body>
</html>"""
