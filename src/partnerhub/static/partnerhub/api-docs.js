// Starts Swagger UI on /api/v1/docs from a file, not an inline script, so the page keeps the
// app's Content Security Policy (script-src 'self').
(function () {
  "use strict";
  const settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  const csrfToken = document.body.dataset.csrfToken;
  window.ui = window.SwaggerUIBundle(
    Object.assign({}, settings, {
      dom_id: "#swagger-ui",
      presets: [window.SwaggerUIBundle.presets.apis],
      // "Try it out" as the signed-in person: the session API checks the CSRF token.
      requestInterceptor: function (request) {
        if (csrfToken) {
          request.headers["X-CSRFToken"] = csrfToken;
        }
        return request;
      },
    }),
  );
})();
