/* The scheduling calendar: FullCalendar (vendored, v6) fed by /sessions/events/.
 *
 * Time zone: the calendar runs with the clinic's named zone and no time-zone plugin, so
 * FullCalendar shows the wall-clock times the server sends as they are ("UTC-coercion"), and the
 * Date objects it hands back carry that wall-clock time in their UTC fields. We send those back
 * without an offset; the server reads them as clinic time. A drag or resize goes through the same
 * service as the edit form: if the server refuses, the reason is shown and the event snaps back.
 */
(function () {
  "use strict";
  var el = document.getElementById("calendar");
  if (!el || typeof FullCalendar === "undefined") { return; }
  var message = document.getElementById("calendar-message");
  var data = el.dataset;

  function wallClock(date) {
    return date.toISOString().slice(0, 19); // UTC fields hold clinic wall-clock time
  }

  // "Now" in clinic wall-clock time, whatever the browser's own zone (drives today and the now line).
  function clinicNow() {
    var m = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: data.timeZone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date()).forEach(function (p) { m[p.type] = p.value; });
    return m.year + "-" + m.month + "-" + m.day + "T" + m.hour + ":" + m.minute + ":" + m.second;
  }

  function show(kind, text) {
    message.className = "alert alert-" + kind;
    message.textContent = text;
  }

  // A practice admin may move a session outside working hours or into time off with a reason
  // (the form's override, through the same service). Offered only on an outside_working_hours
  // refusal: the service checks clashes first, so a clashing slot is never offered an override.
  // The refused event snaps back at once; confirming sends the same move again with the reason.
  function offerOverride(ev, move, reason) {
    message.className = "alert alert-warning";
    message.textContent = "";
    var text = document.createElement("div");
    text.textContent = "Not moved: " + reason;
    var form = document.createElement("form");
    form.className = "d-flex flex-wrap gap-2 mt-2 align-items-center";
    form.setAttribute("data-testid", "override-form");
    var label = document.createElement("label");
    label.className = "small";
    label.setAttribute("for", "override-reason");
    label.textContent = "Override as admin and move to " + move.start.slice(0, 16).replace("T", " ") + (move.end ? "–" + move.end.slice(11, 16) : "") + ":";
    label.setAttribute("data-testid", "override-target");
    var input = document.createElement("input");
    input.id = "override-reason";
    input.className = "form-control form-control-sm w-auto flex-grow-1";
    input.maxLength = 300;
    input.placeholder = "Reason (recorded in the audit log)";
    input.setAttribute("data-testid", "override-reason");
    var confirm = document.createElement("button");
    confirm.type = "submit";
    confirm.className = "btn btn-sm btn-warning";
    confirm.textContent = "Override and move";
    confirm.setAttribute("data-testid", "override-confirm");
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn btn-sm btn-outline-secondary";
    cancel.textContent = "Keep it where it was";
    cancel.setAttribute("data-testid", "override-cancel");
    form.append(label, input, confirm, cancel);
    message.append(text, form);
    cancel.addEventListener("click", function () { show("secondary", "Not moved."); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!input.value.trim()) { input.focus(); return; }
      send(ev, { start: move.start, end: move.end, override_hours: true, override_reason: input.value.trim() }, null);
    });
    input.focus();
  }

  // POST the move; ``revert`` undoes a drag still on screen (null when re-sending after an override).
  function send(ev, move, revert) {
    message.className = "alert d-none";
    fetch(ev.extendedProps.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf, "Accept": "application/json" },
      body: JSON.stringify(move)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok && body.ok) {
          // After a revert the dropped EventApi is stale: take the calendar's current one.
          var current = calendar.getEventById(ev.id) || ev;
          current.setDates(body.event.start, body.event.end);
          current.setProp("classNames", body.event.classNames);
          current.setExtendedProp("status", body.event.extendedProps.status);
          show("success", "Saved: " + ev.title + " now " + body.event.start.replace("T", " ") + "–" + body.event.end.slice(11, 16) +
            (move.override_hours ? " (working-hours override recorded)." : "."));
          return;
        }
        if (revert) { revert(); }
        var error = body.error || {};
        var reason = error.message || ("The server refused the change (" + response.status + ").");
        if (!move.override_hours && data.canOverride && error.code === "outside_working_hours") {
          offerOverride(ev, move, reason);
        } else {
          show("danger", "Not moved: " + reason);
        }
      });
    }).catch(function () {
      show("danger", "Not moved: the server could not be reached.");
      if (revert) { revert(); }
    });
  }

  function move(info) {
    var ev = info.event;
    send(ev, { start: wallClock(ev.start), end: ev.end ? wallClock(ev.end) : null }, function () { info.revert(); });
  }

  var extra = {};
  if (data.clinician) { extra.clinician = data.clinician; }
  if (data.room) { extra.room = data.room; }
  if (data.cancelled) { extra.cancelled = data.cancelled; }

  // The feed names the hours that hold every session it sent (07:00-20:00 when all fit): a 05:45
  // session would otherwise be clipped and one at 01:15 would not show at all. Applied after the
  // events are in, and only on a change, so it never re-enters FullCalendar's fetch.
  function fitHours(response) {
    var min = response && response.headers && response.headers.get("X-Calendar-Slot-Min");
    var max = response && response.headers && response.headers.get("X-Calendar-Slot-Max");
    if (!min || !max) { return; }
    window.setTimeout(function () {
      if (calendar.getOption("slotMinTime") !== min) { calendar.setOption("slotMinTime", min); }
      if (calendar.getOption("slotMaxTime") !== max) { calendar.setOption("slotMaxTime", max); }
      el.dataset.slotMin = min;
      el.dataset.slotMax = max;
    }, 0);
  }

  var calendar = new FullCalendar.Calendar(el, {
    timeZone: data.timeZone,
    now: clinicNow,
    initialView: data.initialView || "timeGridWeek",
    initialDate: data.initialDate || undefined,
    firstDay: 1,
    height: "auto",
    headerToolbar: { left: "prev,next today", center: "title", right: "timeGridWeek,timeGridDay" },
    buttonText: { week: "Week", day: "Day", today: "Today" },
    slotMinTime: "07:00:00",
    slotMaxTime: "20:00:00",
    slotDuration: "00:30:00",
    snapDuration: "00:15:00",
    allDaySlot: false,
    nowIndicator: true,
    expandRows: true,
    eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    editable: true,
    eventDurationEditable: true,
    eventStartEditable: true,
    events: {
      url: data.eventsUrl,
      extraParams: extra,
      success: function (rawEvents, response) { fitHours(response); },
      failure: function () { show("danger", "Could not load the sessions."); }
    },
    eventDrop: move,
    eventResize: move,
    eventDidMount: function (info) {
      var p = info.event.extendedProps;
      info.el.setAttribute("title", info.event.title + "\n" + p.statusLabel + " · " + p.staff.join(", "));
      info.el.dataset.sessionId = info.event.id;
      info.el.dataset.status = p.status;
    },
    dateClick: function (info) {
      window.location.href = data.createUrl + "?start=" + encodeURIComponent(wallClock(info.date));
    }
  });
  calendar.render();
  window.kapCalendar = calendar;

  var form = document.querySelector("[data-testid=calendar-filter]");
  if (form) {
    form.clinician.addEventListener("change", function () { form.room.value = ""; form.submit(); });
    form.room.addEventListener("change", function () { form.clinician.value = ""; form.submit(); });
    form.cancelled.addEventListener("change", function () { form.submit(); });
  }
})();
