// Start trial: show the fields of a new customer or the existing-customer picker, not both.
(function () {
  "use strict";

  function sync(form) {
    var checked = form.querySelector('input[name="customer_mode"]:checked');
    var mode = checked ? checked.value : "new";
    form.querySelectorAll("[data-mode]").forEach(function (el) {
      el.hidden = el.dataset.mode !== mode;
    });
  }

  function init(root) {
    root.querySelectorAll("form[data-trial-form]").forEach(function (form) {
      if (form.dataset.trialReady) return;
      form.dataset.trialReady = "1";
      form.addEventListener("change", function (event) {
        if (event.target.name === "customer_mode") sync(form);
      });
      sync(form);
    });
  }

  window.PartnerHub = window.PartnerHub || { onLoad: [] };
  window.PartnerHub.onLoad.push(init);
  if (document.readyState !== "loading") init(document);
})();
