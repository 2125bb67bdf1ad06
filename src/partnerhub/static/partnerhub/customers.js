// The customer list: query-box suggestions, keeping the box in step with the table, bulk tagging.
(function () {
  "use strict";

  function queryBox() { return document.getElementById("q"); }
  function suggestionBox() { return document.getElementById("q-suggestions"); }

  function clearSuggestions() {
    var box = suggestionBox();
    if (box) box.innerHTML = "";
  }

  function submitQuery() {
    var form = document.getElementById("customer-query");
    if (!form) return;
    clearSuggestions();
    if (window.htmx) window.htmx.trigger(form, "submit");
    else form.requestSubmit();
  }

  // Picking a suggestion puts its text in the box; a complete token also runs the query.
  document.addEventListener("click", function (event) {
    var item = event.target.closest("[data-suggest]");
    if (!item) {
      if (!event.target.closest("#customer-query")) clearSuggestions();
      return;
    }
    var q = queryBox();
    if (!q) return;
    q.value = item.dataset.suggest;
    q.focus();
    if (item.dataset.complete) {
      submitQuery();
    } else if (window.htmx) {
      window.htmx.trigger(q, "input");
    }
  });

  // Arrow keys move between the suggestions; Escape closes them.
  document.addEventListener("keydown", function (event) {
    var box = suggestionBox();
    if (!box) return;
    var items = Array.prototype.slice.call(box.querySelectorAll("[data-suggest]"));
    var inBox = event.target === queryBox() || box.contains(event.target);
    if (!inBox) return;
    if (event.key === "Escape") { clearSuggestions(); queryBox().focus(); return; }
    if (!items.length || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
    event.preventDefault();
    var index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown") index = index < items.length - 1 ? index + 1 : 0;
    else index = index > 0 ? index - 1 : items.length - 1;
    items[index].focus();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "customer-query") clearSuggestions();
    // The save-filter form carries the query currently typed in the box.
    var source = form.dataset.copyQuery && document.querySelector(form.dataset.copyQuery);
    if (source) form.querySelector('input[name="q"]').value = source.value;
    // Bulk tagging returns to the list as it is shown now (HTMX may have changed the URL).
    if (form.hasAttribute("data-next-here")) {
      var next = form.querySelector('input[name="next"]');
      if (next) next.value = window.location.pathname + window.location.search;
    }
  }, true);

  // Suggestions answered for text no longer in the box are dropped (the person moved on).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "q-suggestions") return;
    var path = event.detail.pathInfo && event.detail.pathInfo.finalRequestPath;
    var q = queryBox();
    if (!path || !q) return;
    var asked = new URL(path, window.location.origin).searchParams.get("q") || "";
    if (asked !== q.value) event.detail.shouldSwap = false;
  });

  // After the table changes, the box shows the canonical query (unless the person is typing).
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.target || event.target.id !== "customer-table") return;
    clearSuggestions();
    var inner = event.target.querySelector("[data-query]");
    var q = queryBox();
    if (inner && q && document.activeElement !== q) q.value = inner.dataset.query;
  });
})();
