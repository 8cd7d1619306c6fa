// Starts Swagger UI on the service's own OpenAPI document. A file of its own
// because the page's CSP allows no inline script.
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    // The badge would ask validator.swagger.io about the document.
    validatorUrl: null,
  });
});
