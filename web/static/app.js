// Behaviour that the Content-Security-Policy forbids inline (web/security_headers.py).
// A select marked data-envoi-auto submits its form when it changes (filters).
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-envoi-auto") && field.form) {
    field.form.requestSubmit();
  }
});

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
