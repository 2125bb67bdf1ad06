// Partner Hub's own behaviour: no inline scripts (the Content Security Policy forbids them).
(function () {
  "use strict";

  function initTooltips(root) {
    // Tabler bundles Bootstrap and exposes it as window.tabler (not window.bootstrap).
    var bs = window.bootstrap || window.tabler;
    if (!bs || !bs.Tooltip) return;
    root.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (el) {
      bs.Tooltip.getOrCreateInstance(el);
    });
  }

  // Charts speak the page's language (<html lang>): ApexCharts' own words (months, menu) from
  // its locale file, whose address the page gives in data-chart-locale (none for English, the
  // library's default), and figures with the language's separators. Series names and axis
  // titles come translated from the server.
  var pageLanguage = document.documentElement.lang || "en";
  var chartLocale = null;
  function loadChartLocale() {
    if (chartLocale) return chartLocale;
    var url = document.documentElement.dataset.chartLocale;
    chartLocale = !url || !window.fetch ? Promise.resolve(null) : window.fetch(url, { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .catch(function () { return null; });
    return chartLocale;
  }
  function numberFormatter(decimals) {
    var format = new Intl.NumberFormat(pageLanguage, { maximumFractionDigits: decimals });
    return function (value) { return typeof value === "number" ? format.format(value) : value; };
  }
  // Each value axis without a formatter of its own gets the language's (ApexCharts' default
  // writes 1234.5 whatever the language); decimalsInFloat still says how many decimals.
  function localiseAxes(axes) {
    (Array.isArray(axes) ? axes : [axes]).forEach(function (axis) {
      if (!axis) return;
      axis.labels = axis.labels || {};
      if (!axis.labels.formatter) {
        var decimals = typeof axis.decimalsInFloat === "number" ? axis.decimalsInFloat : 2;
        axis.labels.formatter = numberFormatter(decimals);
      }
    });
  }
  function localiseChart(options, locale) {
    options.chart = options.chart || {};
    if (locale && locale.name) {
      options.chart.locales = [locale];
      options.chart.defaultLocale = locale.name;
    }
    options.yaxis = options.yaxis || {};
    localiseAxes(options.yaxis);
    var horizontal = options.plotOptions && options.plotOptions.bar && options.plotOptions.bar.horizontal;
    if (horizontal) {
      options.xaxis = options.xaxis || {};
      localiseAxes(options.xaxis);
    }
    return options;
  }

  // A chart is an element with data-chart="<id of a json_script element holding ApexCharts options>".
  function initCharts(root) {
    if (!window.ApexCharts) return;
    var pending = [];
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.chartReady) return;
      var source = document.getElementById(el.dataset.chart);
      if (!source) return;
      el.dataset.chartReady = "1";
      pending.push({ el: el, options: JSON.parse(source.textContent) });
    });
    if (!pending.length) return;
    loadChartLocale().then(function (locale) {
      pending.forEach(function (chart) {
        new window.ApexCharts(chart.el, localiseChart(chart.options, locale)).render();
      });
    });
  }

  // Forms marked data-autosubmit submit themselves when a control changes.
  function initAutosubmit(root) {
    root.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      if (form.dataset.autosubmitReady) return;
      form.dataset.autosubmitReady = "1";
      form.addEventListener("change", function () {
        if (window.htmx && form.getAttribute("hx-get")) {
          window.htmx.trigger(form, "submit");
        } else {
          form.requestSubmit();
        }
      });
    });
  }

  // Buttons and links with data-confirm ask before they act (non-HTMX forms).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  // "Select all" checkboxes for bulk actions: data-select-all="name of the row checkboxes".
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.dataset && el.dataset.selectAll) {
      document.querySelectorAll('input[name="' + el.dataset.selectAll + '"]').forEach(function (box) {
        box.checked = el.checked;
      });
    }
  });

  function init(root) {
    initTooltips(root);
    initCharts(root);
    initAutosubmit(root);
    if (window.PartnerHub && window.PartnerHub.onLoad) {
      window.PartnerHub.onLoad.forEach(function (fn) { fn(root); });
    }
  }

  // Focus stays on the control that was used when HTMX replaces the part of the page holding
  // it (a sort header, a pager link): found again by data-sort, rel or id in the new content.
  function focusKey(el) {
    if (!el || el === document.body) return null;
    if (el.dataset && el.dataset.sort) return '[data-sort="' + el.dataset.sort + '"]';
    if (el.getAttribute("rel")) return '[rel="' + el.getAttribute("rel") + '"]';
    if (el.id) return "#" + el.id;
    return null;
  }
  // An answer may also swap other parts out of band, each settling on its own: only the
  // swapped part that holds the control again (or the request's own target) takes the focus.
  var pendingFocus = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    var key = target && active && target.contains(active) ? focusKey(active) : null;
    // Another answer landing meanwhile (e.g. query suggestions) leaves a pending focus alone.
    if (key) pendingFocus = { key: key, target: target.id, until: Date.now() + 5000 };
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (pendingFocus && Date.now() > pendingFocus.until) pendingFocus = null;
    if (!pendingFocus) return;
    var again = event.target.querySelector(pendingFocus.key);
    if (!again && event.target.id && event.target.id === pendingFocus.target) again = event.target;
    if (!again) return;
    pendingFocus = null;
    if (again === event.target && !again.hasAttribute("tabindex")) again.setAttribute("tabindex", "-1");
    again.focus();
  });

  // Tables marked data-roving-rows are one Tab stop per row (the row's data-row-primary
  // control); the row's other controls are reached with Left/Right, other rows with Up/Down.
  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([type="hidden"]):not([disabled]), select, textarea';
  function rowControls(row) {
    return Array.prototype.slice.call(row.querySelectorAll(FOCUSABLE));
  }
  function initRovingRows(root) {
    var tables = (root.matches && root.matches("[data-roving-rows]")) ? [root] : [];
    tables = tables.concat(Array.prototype.slice.call(root.querySelectorAll("[data-roving-rows]")));
    var rowsOf = root.closest ? root.closest("[data-roving-rows] tbody tr") : null;
    if (rowsOf) tables.push(rowsOf.closest("[data-roving-rows]"));
    tables.forEach(function (table) {
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var primary = row.querySelector("[data-row-primary]");
        rowControls(row).forEach(function (el) {
          if (el !== primary) el.setAttribute("tabindex", "-1");
        });
      });
    });
  }
  document.addEventListener("keydown", function (event) {
    var row = event.target.closest && event.target.closest("[data-roving-rows] tbody tr");
    if (!row || event.altKey || event.ctrlKey || event.metaKey) return;
    var typing = event.target.matches('input:not([type="checkbox"]):not([type="radio"]), textarea, select');
    var controls = rowControls(row);
    var index = controls.indexOf(event.target);
    var next = null;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var sibling = event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
      if (sibling) next = sibling.querySelector("[data-row-primary]") || rowControls(sibling)[0];
    } else if (!typing && event.key === "ArrowRight") {
      next = controls[Math.min(index + 1, controls.length - 1)];
    } else if (!typing && event.key === "ArrowLeft") {
      next = controls[Math.max(index - 1, 0)];
    } else if (typing && event.key === "Escape") {
      next = row.querySelector("[data-row-primary]");
    }
    if (next && next !== event.target) {
      event.preventDefault();
      next.focus();
    }
  });

  window.PartnerHub = window.PartnerHub || { onLoad: [] };
  window.PartnerHub.onLoad.push(initRovingRows);
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();
