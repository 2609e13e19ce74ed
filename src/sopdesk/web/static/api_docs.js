// /docs: start Swagger UI on the page's OpenAPI document. A file, not an inline script: the
// page's CSP (script-src 'self') runs no inline script. Deferred after swagger-ui-bundle.js.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null, // never ask validator.swagger.io (offline, and not our origin)
  });
});
