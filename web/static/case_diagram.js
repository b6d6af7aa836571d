/* Byplan: shows a BPMN diagram with bpmn-js (web/static/vendor/bpmn-js, vendored from npm by `make vendor`).
 *
 * Each element with a data-bpmn-url attribute becomes a viewer. Its data attributes:
 *   data-bpmn-url   the BPMN XML to show
 *   data-states     JSON {element id: "completed" | "active" | "waiting" | "error"}: marked with bp-<state>
 *   data-calls      JSON {element id: process id}: call activities whose called process the case runs;
 *                   clicking one opens data-call-url?proces=<process id>#diagram
 *   data-failed     the text shown when the diagram cannot be loaded
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
    viewer.get("eventBus").on("element.click", function (event) {
      var processId = calls[event.element.id];
      if (processId) {
        window.location.assign(callUrl(container, processId));
      }
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
