/* Chambers check-in and push.
 *
 * While a question is open the page checks in: 100 ms after it loads (_initial), every
 * data-checkin-interval ms, and at once when an input changes (_changed = its variable) if the
 * question has "check in".  The reply is a list of commands: fill a [TARGET] area, set fields or a
 * dropdown's choices, flash a message, run JavaScript, refresh the screen, show progress.
 *
 * Push: a Server-Sent Events stream (/events) says when something happened in the session (a
 * background action finished); the page then checks in at once to collect what it must show.
 * Without push the periodic check-in does the same, only later.
 *
 * It never loops: values the server sets are assigned without firing change events, replies to
 * older check-ins are ignored, and polling stops while the tab is hidden.
 */
(function () {
  "use strict";

  var CONTROL = { _csrf: 1, _question_name: 1, _button: 1, _back: 1 };

  function start(C) {
    if (!C.root) { return; }
    var action = C.checkin;
    var interval = C.checkinInterval > 0 ? Math.max(C.checkinInterval, 1000) : 0;
    var url = "/checkin?i=" + encodeURIComponent(C.interview);
    var sequence = 0;
    var applied = 0;
    var inFlight = false;
    var queued = null;
    var timer = null;
    var failed = false;
    var stopped = false;
    var seenTasks = {};          // notifications applied on this page (by task id)
    var toAcknowledge = [];

    function draftValues() {
      var values = {};
      if (!C.form) { return values; }
      Array.prototype.forEach.call(C.form.elements, function (el) {
        if (!el.name || CONTROL[el.name] || el.disabled || el.type === "submit" || el.type === "button") { return; }
        if (el.type === "radio") {
          if (el.checked) { values[el.name] = el.value; } else if (!(el.name in values)) { values[el.name] = ""; }
          return;
        }
        if (el.type === "checkbox") {
          if (!(el.name in values)) { values[el.name] = []; }
          if (el.checked) { values[el.name].push(el.value); }
          return;
        }
        if (el.tagName === "SELECT" && el.multiple) {
          values[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
            .map(function (o) { return o.value; });
          return;
        }
        values[el.name] = el.value;
      });
      return values;
    }

    function checkIn(changed, initial) {
      if (stopped) { return; }
      if (inFlight) {
        // One check-in waits for the one in flight.  A later change replaces an earlier one (the
        // draft values are read when it is sent), but a plain check-in (periodic, first, tab shown)
        // never drops the change waiting: its action must hear which field changed.
        queued = { changed: changed || (queued && queued.changed) || null,
                   initial: initial || Boolean(queued && queued.initial) };
        return;
      }
      var body = {};
      if (action) {
        var parameters = draftValues();
        if (initial) { parameters._initial = true; }
        if (changed) { parameters._changed = changed; }
        body = { action: action, parameters: parameters };
      }
      if (toAcknowledge.length) { body.ack = toAcknowledge.splice(0); }
      var mine = ++sequence;
      inFlight = true;
      fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": C.csrfToken() || "" },
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().then(function (reply) { return { ok: response.ok, reply: reply }; });
      }).then(function (result) {
        if (!result.ok || !result.reply.success) { throw new Error((result.reply && result.reply.error) || "check-in failed"); }
        failed = false;
        // A page on its way out (refreshing) shows nothing more and acknowledges nothing: what the
        // reply carries stays pending for the page that replaces it.
        if (mine > applied && !stopped) {
          applied = mine;
          apply(result.reply.commands || []);
        }
      }).catch(function (error) {
        failed = true;               // periodic check-ins pause until a change succeeds
        if (window.console) { window.console.warn("Chambers check-in:", error.message || error); }
      }).then(function () {
        inFlight = false;
        if (queued) { var next = queued; queued = null; checkIn(next.changed, next.initial); }
      });
    }

    // Commands -----------------------------------------------------------------------------------
    function targetClass(name) { return "datarget" + String(name).replace(/[^A-Za-z0-9_]/g, ""); }

    function fillTarget(target, content) {
      document.querySelectorAll("." + targetClass(target)).forEach(function (el) { el.innerHTML = content; });
    }

    function inputsNamed(name) {
      if (!C.form) { return []; }
      return Array.prototype.filter.call(C.form.elements, function (el) { return el.name === name; });
    }

    function setChoices(select, choices, value) {
      var blank = select.querySelector("option[value='']");
      Array.prototype.slice.call(select.options).forEach(function (o) { if (o.value !== "") { select.removeChild(o); } });
      if (!blank) {
        blank = document.createElement("option");
        blank.value = "";
        select.insertBefore(blank, select.firstChild);
      }
      choices.forEach(function (pair) {
        var option = document.createElement("option");
        option.value = String(pair[0]);
        option.textContent = String(pair[1]);
        select.appendChild(option);
      });
      select.value = value == null ? "" : String(value);
    }

    function setField(name, value) {
      var elements = inputsNamed(name);
      if (!elements.length) { return; }
      if (value !== null && typeof value === "object" && Array.isArray(value.choices)) {
        elements.forEach(function (el) { if (el.tagName === "SELECT") { setChoices(el, value.choices, value.value); } });
        return;
      }
      elements.forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") {
          el.checked = Array.isArray(value) ? value.map(String).indexOf(el.value) >= 0 : String(value) === el.value;
        } else {
          el.value = value == null ? "" : String(value);
        }
      });
    }

    function flashHtml(html) {
      var alert = C.flash("", "info");
      if (alert) { alert.firstChild.innerHTML = html; }
    }

    function showProgress(command) {
      var bar = document.getElementById("chambers-progress");
      if (!bar) {
        bar = document.createElement("div");
        bar.id = "chambers-progress";
        bar.className = "mb-3";
        bar.innerHTML = '<div class="progress" role="progressbar" aria-label="Progress" aria-valuemin="0" aria-valuemax="100">' +
          '<div class="progress-bar"></div></div><div class="small text-muted chambers-progress-message"></div>';
        C.root.insertBefore(bar, C.root.firstChild);
      }
      var percent = Math.round(100 * (command.fraction || 0));
      bar.querySelector(".progress").setAttribute("aria-valuenow", String(percent));
      bar.querySelector(".progress-bar").style.width = percent + "%";
      bar.querySelector(".chambers-progress-message").textContent = command.message || "";
    }

    function refresh() {
      stopped = true;
      window.location.replace(C.root.getAttribute("data-reload-url") || window.location.href);
    }

    function apply(commands) {
      var changedFields = false;
      var refreshing = false;
      commands = commands.filter(function (command) {
        if (!command.task) { return true; }
        if (seenTasks[command.task]) { return false; }
        seenTasks[command.task] = true;
        toAcknowledge.push(command.task);
        return true;
      });
      commands.forEach(function (command) {
        switch (command.command) {
          case "target":
            (command.targets || [command]).forEach(function (t) { fillTarget(t.target, t.content); });
            break;
          case "fields":
            Object.keys(command.values || {}).forEach(function (name) { setField(name, command.values[name]); });
            changedFields = true;
            break;
          case "flash":
            flashHtml(command.message);
            break;
          case "javascript":
            try { (0, eval)(command.code); } catch (error) { if (window.console) { window.console.error(error); } }
            break;
          case "refresh":
            refreshing = true;
            break;
          case "progress":
            showProgress(command);
            break;
          default:
            break;
        }
      });
      if (changedFields) { C.applyConditions(); }
      document.dispatchEvent(new CustomEvent("chambers:commands", { detail: commands }));
      if (toAcknowledge.length) { acknowledge(refreshing); } else if (refreshing) { refresh(); }
    }

    /* Tell the server these notifications were shown, so no later page shows them again. */
    function acknowledge(thenRefresh) {
      var ids = toAcknowledge.splice(0);
      fetch(url, {
        method: "POST", credentials: "same-origin", keepalive: true,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": C.csrfToken() || "" },
        body: JSON.stringify({ ack: ids })
      }).catch(function () { Array.prototype.push.apply(toAcknowledge, ids); })
        .then(function () { if (thenRefresh) { refresh(); } });
    }
    C.applyCommands = apply;
    C.checkIn = checkIn;

    // Timing -------------------------------------------------------------------------------------
    function restartTimer() {
      if (timer) { window.clearInterval(timer); timer = null; }
      if (interval && !document.hidden) {
        timer = window.setInterval(function () { if (!failed) { checkIn(null, false); } }, interval);
      }
    }

    if (C.form && action) {
      C.form.addEventListener("change", function (event) {
        var name = event.target && event.target.name;
        if (!name || CONTROL[name]) { return; }
        checkIn(name, false);
        restartTimer();
      });
    }
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        if (timer) { window.clearInterval(timer); timer = null; }
      } else {
        checkIn(null, false);
        restartTimer();
      }
    });
    window.setTimeout(function () { checkIn(null, true); }, 100);
    restartTimer();

    // Push ---------------------------------------------------------------------------------------
    /* Milliseconds since this page arrived from the server, so the stream can tell at once what
     * finished in between (without it a task done before the stream opened would go unnoticed). */
    function pageAge() {
      var entry = window.performance && performance.getEntriesByType &&
        performance.getEntriesByType("navigation")[0];
      var arrived = entry ? entry.responseStart : 0;
      return Math.max(0, Math.round(performance.now() - arrived));
    }
    if (window.EventSource) {
      var source = new EventSource("/events?i=" + encodeURIComponent(C.interview) + "&age=" + pageAge());
      source.onmessage = function (event) {
        var message = {};
        try { message = JSON.parse(event.data); } catch (error) { return; }
        if (typeof message.progress === "number") {
          showProgress({ fraction: message.progress, message: message.message });
          return;
        }
        if (message.state) {
          var reloading = parseInt(C.root.getAttribute("data-reload") || "0", 10) > 0;
          if (reloading) { refresh(); } else { checkIn(null, false); }
        }
      };
      source.onerror = function () {
        if (source.readyState === EventSource.CLOSED) { source.close(); }
      };
      window.addEventListener("pagehide", function () { source.close(); });
    }
  }

  if (window.Chambers) {
    window.Chambers.onReady(start);
  } else {
    document.addEventListener("chambers:ready", function (event) { start(event.detail); });
  }
}());
