// Starts Swagger UI over /openapi.yaml (a file, not an inline script: the page's CSP allows
// only scripts from this service). Operations are listed expanded (docExpansion "list").
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: node.getAttribute("data-spec"),
    domNode: node,
    docExpansion: "list",
    deepLinking: false,
    defaultModelsExpandDepth: 0,
    validatorUrl: null,
    tryItOutEnabled: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
