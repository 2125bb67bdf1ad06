// Forms marked data-clear-errors: once the person changes a field that was refused, its message
// and red outline go, since they described the old value; the server checks it again on submit.
(function () {
  "use strict";

  function clear(event) {
    var field = event.target;
    if (!field.name || !field.closest) return;
    var form = field.closest("form[data-clear-errors]");
    if (!form) return;
    field.classList.remove("is-invalid");
    field.removeAttribute("aria-invalid");
    form.querySelectorAll('[data-field="' + CSS.escape(field.name) + '"]').forEach(function (el) {
      el.remove();
    });
  }

  document.addEventListener("input", clear);
  document.addEventListener("change", clear);
})();
