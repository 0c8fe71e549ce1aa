/* Chambers question pages.
 *
 * - reloads the page after data-reload milliseconds (reload: in the interview);
 * - evaluates "js enable if" / "js show if" on load and on every change (a field that is off has
 *   its inputs disabled, so the browser does not submit them and the server does not expect them);
 * - checks the form before it is sent, with the server's own messages next to each field;
 * - gives interview JavaScript val(variable_name) and flash(message, priority).
 *
 * Other scripts (checkin.js) build on window.Chambers; they can wait for the "chambers:ready"
 * event on document, or call Chambers.onReady(fn).
 */
(function () {
  "use strict";

  var MESSAGES = {
    required: "This field is required.",
    integer: "Please enter a whole number.",
    number: "Please enter a number.",
    email: "Please enter a valid e-mail address.",
    date: "Please enter a valid date.",
    time: "Please enter a valid time.",
    datetime: "Please enter a valid date and time.",
    choice: "Please choose one of the options.",
    atLeast: function (n) { return "The value must be at least " + n + "."; },
    atMost: function (n) { return "The value must be at most " + n + "."; }
  };
  var NUMERIC = ["integer", "number", "float", "currency", "range"];
  var EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
  var WHOLE = /^[-+]?\d+$/;
  var FLASH_KINDS = ["success", "info", "warning", "danger", "primary", "secondary", "light", "dark"];

  var root = null;
  var form = null;
  var ready = false;
  var readyCallbacks = [];

  function formElements(name) {
    if (!form) { return []; }
    return Array.prototype.filter.call(form.elements, function (el) { return el.name === name; });
  }

  /* The current value of a field, by its variable name (as docassemble's val()). */
  function val(name) {
    var elements = formElements(name);
    if (!elements.length) { return null; }
    var radios = elements.filter(function (el) { return el.type === "radio"; });
    if (radios.length) {
      var checked = radios.filter(function (el) { return el.checked; })[0];
      return checked ? checked.value : null;
    }
    var box = elements.filter(function (el) { return el.type === "checkbox"; })[0];
    if (box) { return box.checked; }
    return elements[elements.length - 1].value;
  }

  /* Show a message at the top of the page; priority is a Bootstrap colour (info by default). */
  function flash(message, priority, clear) {
    var area = document.getElementById("chambers-flash");
    if (!area) { return null; }
    if (clear) { area.innerHTML = ""; }
    var kind = FLASH_KINDS.indexOf(priority) >= 0 ? priority : "info";
    var alert = document.createElement("div");
    alert.className = "alert alert-" + kind + " alert-dismissible fade show chambers-flash-message";
    alert.setAttribute("role", kind === "danger" ? "alert" : "status");
    var text = document.createElement("span");
    text.textContent = message == null ? "" : String(message);
    alert.appendChild(text);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "Close");
    alert.appendChild(close);
    area.appendChild(alert);
    return alert;
  }

  // Conditions ---------------------------------------------------------------------------------------
  function evaluate(expression, wrapper) {
    try {
      /* jshint evil:true */
      return Boolean(new Function("val", "return (" + expression + ");")(val));
    } catch (err) {
      if (window.console) {
        console.warn("Chambers: the condition " + JSON.stringify(expression) + " of " +
                     (wrapper.getAttribute("data-variable") || "a field") + " failed: " + err);
      }
      return true;
    }
  }

  function applyConditions() {
    if (!root) { return; }
    root.querySelectorAll(".chambers-field").forEach(function (wrapper) {
      var enableIf = wrapper.getAttribute("data-js-enable-if");
      var showIf = wrapper.getAttribute("data-js-show-if");
      if (enableIf === null && showIf === null) { return; }
      var enabled = enableIf === null ? true : evaluate(enableIf, wrapper);
      var shown = showIf === null ? true : evaluate(showIf, wrapper);
      wrapper.hidden = !shown;
      wrapper.classList.toggle("chambers-off", !(enabled && shown));
      wrapper.querySelectorAll("input, select, textarea, button").forEach(function (el) {
        el.disabled = !(enabled && shown);
      });
      if (!(enabled && shown)) { showProblem(wrapper, null); }
    });
  }

  // Validation ---------------------------------------------------------------------------------------
  function shownNumber(text) {
    var n = Number(text);
    return isFinite(n) ? String(n) : text;
  }

  function problemOf(wrapper) {
    var inputs = Array.prototype.filter.call(wrapper.querySelectorAll("input, select, textarea"), function (el) {
      return !el.disabled && el.type !== "hidden";
    });
    if (!inputs.length) { return null; }
    var datatype = wrapper.getAttribute("data-datatype") || "text";
    var required = wrapper.getAttribute("data-required") === "true";
    var first = inputs[0];
    if (first.type === "checkbox") { return null; }
    if (first.type === "radio") {
      var any = inputs.some(function (el) { return el.checked; });
      return (!any && required) ? MESSAGES.required : null;
    }
    var value = (first.value || "").trim();
    var badInput = first.validity && first.validity.badInput;
    if (value === "" && !badInput) { return required ? MESSAGES.required : null; }
    if (NUMERIC.indexOf(datatype) >= 0) {
      var number = Number(datatype === "currency" ? value.replace(/,/g, "") : value);
      if (badInput || value === "" || !isFinite(number)) {
        return datatype === "integer" ? MESSAGES.integer : MESSAGES.number;
      }
      if (datatype === "integer" && !WHOLE.test(value)) { return MESSAGES.integer; }
      var min = first.getAttribute("min");
      var max = first.getAttribute("max");
      if (min !== null && min !== "" && isFinite(Number(min)) && number < Number(min)) {
        return MESSAGES.atLeast(shownNumber(min));
      }
      if (max !== null && max !== "" && isFinite(Number(max)) && number > Number(max)) {
        return MESSAGES.atMost(shownNumber(max));
      }
      return null;
    }
    if (datatype === "email" && !EMAIL.test(value)) { return MESSAGES.email; }
    if (badInput && MESSAGES[datatype]) { return MESSAGES[datatype]; }
    if (first.tagName === "SELECT" && value === "" && required) { return MESSAGES.required; }
    return null;
  }

  function showProblem(wrapper, message) {
    var slot = wrapper.querySelector(".chambers-error");
    if (slot) {
      slot.textContent = message || "";
      slot.classList.toggle("d-block", Boolean(message));
    }
    wrapper.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.type === "hidden") { return; }
      el.classList.toggle("is-invalid", Boolean(message));
      if (message) { el.setAttribute("aria-invalid", "true"); } else { el.removeAttribute("aria-invalid"); }
    });
  }

  /* Check every field that is on; show each problem next to its field.  True when all is well. */
  function validate() {
    if (!root) { return true; }
    var firstBad = null;
    root.querySelectorAll(".chambers-field").forEach(function (wrapper) {
      if (wrapper.hidden) { return; }
      var message = problemOf(wrapper);
      showProblem(wrapper, message);
      if (message && !firstBad) { firstBad = wrapper; }
    });
    if (firstBad) {
      var target = firstBad.querySelector("input:not([type=hidden]), select, textarea");
      if (target) { target.focus(); }
      return false;
    }
    return true;
  }

  function onSubmit(event) {
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("formnovalidate")) { return; }
    if (!validate()) { event.preventDefault(); }
  }

  function onEdited(event) {
    applyConditions();
    var wrapper = event.target && event.target.closest ? event.target.closest(".chambers-field") : null;
    if (wrapper && wrapper.querySelector(".chambers-error.d-block")) {
      showProblem(wrapper, problemOf(wrapper));
    }
  }

  // Reloading ----------------------------------------------------------------------------------------
  function scheduleReload() {
    var ms = parseInt(root.getAttribute("data-reload") || "0", 10);
    if (!(ms > 0)) { return; }
    var url = root.getAttribute("data-reload-url") || window.location.href;
    Chambers.reloadTimer = window.setTimeout(function () { window.location.replace(url); }, ms);
  }

  function csrfToken() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : null;
  }

  function onReady(callback) {
    if (ready) { callback(Chambers); } else { readyCallbacks.push(callback); }
  }

  var Chambers = {
    val: val,
    flash: flash,
    applyConditions: applyConditions,
    validate: validate,
    csrfToken: csrfToken,
    onReady: onReady,
    root: null,
    form: null,
    reloadTimer: null
  };
  window.Chambers = Chambers;
  window.val = val;
  window.flash = flash;

  function start() {
    root = document.getElementById("chambers-root");
    form = document.getElementById("chambers-form");
    Chambers.root = root;
    Chambers.form = form;
    if (root) {
      Chambers.interview = root.getAttribute("data-interview");
      Chambers.questionName = root.getAttribute("data-question-name");
      Chambers.checkin = root.getAttribute("data-checkin") || null;
      Chambers.checkinInterval = parseInt(root.getAttribute("data-checkin-interval") || "0", 10);
      if (root.getAttribute("data-posted") && window.history && window.history.replaceState) {
        // This screen answered a form post: make reloading it ask for the screen, not post again.
        window.history.replaceState(null, "", root.getAttribute("data-reload-url") || window.location.href);
      }
      applyConditions();
      scheduleReload();
    }
    if (form) {
      form.addEventListener("submit", onSubmit);
      form.addEventListener("change", onEdited);
      form.addEventListener("input", onEdited);
    }
    ready = true;
    readyCallbacks.splice(0).forEach(function (callback) { callback(Chambers); });
    document.dispatchEvent(new CustomEvent("chambers:ready", { detail: Chambers }));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
