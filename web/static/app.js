// Behaviour that the Content-Security-Policy forbids inline (web/security_headers.py).
// A select marked data-envoi-auto submits its form when it changes (filters).
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-envoi-auto") && field.form) {
    field.form.requestSubmit();
  }
});

// After a form comes back with errors through htmx (a 4xx swapped into the page), the focus
// would stay on <body>: move it to the error summary, which lists and links every error
// (RGAA 11.10). Full page loads with errors do the same.
function focusErrorSummary() {
  var summary = document.querySelector("[data-resume-erreurs]");
  if (summary) { summary.focus(); }
}
document.addEventListener("htmx:afterSettle", function (event) {
  var xhr = event.detail && event.detail.xhr;
  if (xhr && xhr.status >= 400 && xhr.status < 500) { focusErrorSummary(); }
});
document.addEventListener("DOMContentLoaded", focusErrorSummary);
