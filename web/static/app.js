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

// A file prepared in the background (the semestrial report's PDF): once the waiting page
// learns it is ready, the download starts by itself; the link stays for a second try.
document.addEventListener("htmx:load", function (event) {
  var root = event.detail && event.detail.elt;
  if (!(root instanceof Element)) {
    return;
  }
  var link = root.matches("a[data-telechargement-auto]") ? root : root.querySelector("a[data-telechargement-auto]");
  if (link) {
    link.click();
  }
});
