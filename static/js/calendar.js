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

  function move(info) {
    var ev = info.event;
    message.className = "alert d-none";
    fetch(ev.extendedProps.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf, "Accept": "application/json" },
      body: JSON.stringify({ start: wallClock(ev.start), end: ev.end ? wallClock(ev.end) : null })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok && body.ok) {
          show("success", "Saved: " + ev.title + " now " + body.event.start.replace("T", " ") + "–" + body.event.end.slice(11, 16) + ".");
          ev.setProp("classNames", body.event.classNames);
          ev.setExtendedProp("status", body.event.extendedProps.status);
        } else {
          var reason = (body.error && body.error.message) || ("The server refused the change (" + response.status + ").");
          show("danger", "Not moved: " + reason);
          info.revert();
        }
      });
    }).catch(function () {
      show("danger", "Not moved: the server could not be reached.");
      info.revert();
    });
  }

  var extra = {};
  if (data.clinician) { extra.clinician = data.clinician; }
  if (data.room) { extra.room = data.room; }
  if (data.cancelled) { extra.cancelled = data.cancelled; }

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
    events: { url: data.eventsUrl, extraParams: extra, failure: function () { show("danger", "Could not load the sessions."); } },
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
