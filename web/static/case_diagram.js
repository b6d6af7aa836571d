/* Byplan: shows a BPMN diagram with bpmn-js (web/static/vendor/bpmn-js, vendored from npm by `make vendor`).
 *
 * Each element with a data-bpmn-url attribute becomes a viewer. Its data attributes:
 *   data-bpmn-url   the BPMN XML to show
 *   data-states     JSON {element id: "completed" | "active" | "waiting" | "error"}: marked with bp-<state>
 *   data-calls      JSON {element id: process id}: call activities whose called process the case runs;
 *                   clicking one opens data-call-url?proces=<process id>#diagram
 *   data-failed     the text shown when the diagram cannot be loaded
 *   data-heat       JSON {element id: {level 0-5, passed, now, median (s), p90 (s)}}: the heatmap (web/analytics.py);
 *                   each element gets the marker bp-heat-<level> and an overlay "passed / now / median"
 *   data-heat-passed, data-heat-now, data-heat-median  the words of that overlay (translated by the page)
 *   data-label      the text alternative of the drawn diagram: its svg becomes role="img" with this label (the
 *                   container itself holds the bpmn.io logo link too, so it cannot be the image)
 * No inline script (the CSP is script-src 'self'); the page works without this file: the links and the
 * state list next to the diagram say the same.
 */
(function () {
  "use strict";

  var BADGES = { completed: "\u2713", active: "\u25B6", waiting: "\u2016", error: "!" };

  function parse(text) {
    try {
      return JSON.parse(text || "{}") || {};
    } catch (e) {
      return {};
    }
  }

  function fail(container, error) {
    container.setAttribute("data-diagram", "failed");
    var message = document.createElement("p");
    message.className = "bpmn-failed";
    message.textContent = container.getAttribute("data-failed") || "The diagram could not be shown.";
    container.appendChild(message);
    if (window.console && error) {
      window.console.warn("bpmn diagram:", error);
    }
  }

  function callUrl(container, processId) {
    var base = container.getAttribute("data-call-url") || window.location.pathname;
    return base + "?proces=" + encodeURIComponent(processId) + "#diagram";
  }

  function mark(viewer, container) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    var states = parse(container.getAttribute("data-states"));
    var calls = parse(container.getAttribute("data-calls"));

    Object.keys(states).forEach(function (id) {
      var state = states[id];
      if (!registry.get(id) || !BADGES[state]) {
        return;
      }
      canvas.addMarker(id, "bp-" + state);
      var badge = document.createElement("span");
      badge.className = "bp-badge bp-badge-" + state;
      badge.setAttribute("aria-hidden", "true");
      badge.textContent = BADGES[state];
      overlays.add(id, "bp-state", { position: { top: -10, left: -10 }, html: badge });
    });
    Object.keys(calls).forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, "bp-link");
      }
    });
    heat(container, registry, canvas, overlays);
    viewer.get("eventBus").on("element.click", function (event) {
      var processId = calls[event.element.id];
      if (processId) {
        window.location.assign(callUrl(container, processId));
      }
    });
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) {
      return "\u2013";
    }
    if (seconds >= 86400) {
      return (seconds / 86400).toFixed(1).replace(".", ",") + " d";
    }
    if (seconds >= 3600) {
      return (seconds / 3600).toFixed(1).replace(".", ",") + " t";
    }
    return Math.round(seconds / 60) + " min";
  }

  /* The heatmap: a colour step per element (CSS classes bp-heat-0 … bp-heat-5) and its figures beside it. */
  function heat(container, registry, canvas, overlays) {
    var data = parse(container.getAttribute("data-heat"));
    Object.keys(data).forEach(function (id) {
      var item = data[id];
      if (!registry.get(id)) {
        return;
      }
      canvas.addMarker(id, "bp-heat-" + (item.level || 0));
      var badge = document.createElement("span");
      badge.className = "bp-heat-badge bp-heat-badge-" + (item.level || 0);
      badge.setAttribute("aria-hidden", "true");
      badge.textContent = item.passed + " " + (container.getAttribute("data-heat-passed") || "passed") + " \u00B7 " +
        item.now + " " + (container.getAttribute("data-heat-now") || "now") + " \u00B7 " +
        (container.getAttribute("data-heat-median") || "median") + " " + duration(item.median);
      overlays.add(id, "bp-heat", { position: { bottom: -4, left: 0 }, html: badge });
    });
  }

  /* The svg is one image for assistive technology; the logo link beside it stays a link. */
  function label(container) {
    var svg = container.querySelector(".djs-container > svg");
    if (svg) {
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", container.getAttribute("data-label") || "BPMN");
    }
  }

  /* A wide process needs less height than the default: size the box to the diagram's proportions. */
  function fitHeight(viewer, container) {
    var canvas = viewer.get("canvas");
    var inner = canvas.viewbox().inner;
    if (inner && inner.width > 0) {
      var height = container.clientWidth * inner.height / inner.width + 60;
      container.style.height = Math.round(Math.max(200, Math.min(height, 640))) + "px";
      canvas.resized();
    }
    canvas.zoom("fit-viewport", "auto");
  }

  function show(container) {
    if (typeof window.BpmnJS !== "function" || typeof window.fetch !== "function") {
      fail(container);
      return;
    }
    var viewer = new window.BpmnJS({ container: container });
    window.fetch(container.getAttribute("data-bpmn-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (xml) {
        return viewer.importXML(xml);
      })
      .then(function () {
        fitHeight(viewer, container);
        mark(viewer, container);
        label(container);
        container.setAttribute("data-diagram", "ready");
      })
      .catch(function (error) {
        fail(container, error);
      });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-bpmn-url]"), show);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
