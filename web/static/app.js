// Behaviour that the Content-Security-Policy forbids inline (web/security_headers.py).
// A select marked data-envoi-auto submits its form when it changes (filters).
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-envoi-auto") && field.form) {
    field.form.requestSubmit();
  }
});
