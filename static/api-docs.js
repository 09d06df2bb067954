// Starts Swagger UI on /docs (app/web/docs.py). A file of its own, not an inline script, so
// the page runs under a Content-Security-Policy without 'unsafe-inline'; the schema's address
// comes from the page.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // No call to the public validator: the page talks to this site only.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
});
