// The idle-timeout warning on signed-in pages (templates/base.html).
//
// The server ends a session after data-idle-seconds without a request. A
// little before (data-warning-seconds), a modal alert dialog offers
// "Förbli inloggad", which posts the dialog's form (with its CSRF token) to
// a small endpoint that renews the session and answers 204. Pages in other
// tabs count too: each one records its last request in localStorage.
// Once the time is up the dialog says so; a form sent after that is kept
// as a draft and shown again after the login (rattinsats/drafts.py).
(function () {
  "use strict";
  var dialog = document.getElementById("session-timeout");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var idle = parseInt(dialog.getAttribute("data-idle-seconds"), 10) * 1000;
  var warning = parseInt(dialog.getAttribute("data-warning-seconds"), 10) * 1000;
  if (!(idle > 0) || !(warning >= 0)) { return; }

  var form = dialog.querySelector("form");
  var stay = dialog.querySelector("[data-session-stay]");
  var close = dialog.querySelector("[data-session-close]");
  var title = document.getElementById("session-timeout-title");
  var text = document.getElementById("session-timeout-text");
  var KEY = "rattinsats.lastRequest";
  var lastRequest = Date.now();
  var expired = false;
  var sending = false;
  var timer = null;

  function shared() {
    try {
      var other = parseInt(window.localStorage.getItem(KEY), 10);
      return other > lastRequest ? other : lastRequest;
    } catch (e) {
      return lastRequest;
    }
  }

  function record(time) {
    lastRequest = time;
    try { window.localStorage.setItem(KEY, String(time)); } catch (e) { /* private mode */ }
  }

  function open() {
    if (!dialog.open) { dialog.showModal(); }
  }

  function expire() {
    expired = true;
    window.clearInterval(timer);
    title.textContent = dialog.getAttribute("data-expired-title");
    text.textContent = dialog.getAttribute("data-expired-text");
    stay.hidden = true;
    close.hidden = false;
    open();
    close.focus();
  }

  function check() {
    var now = Date.now();
    var last = shared();
    if (now >= last + idle) {
      expire();
    } else if (now >= last + idle - warning) {
      open();
    } else if (dialog.open) {
      // Another tab has kept the session.
      dialog.close();
    }
  }

  function keepSession() {
    if (sending || expired) { return; }
    sending = true;
    var started = Date.now();
    window.fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 204) {
        record(started);
        dialog.close();
      } else {
        expire();
      }
    }).catch(function () {
      // No answer (offline): the dialog stays, the user may try again.
    }).then(function () {
      sending = false;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    keepSession();
  });
  // Escape means the user is here: keep the session, as the button does.
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    if (expired) { dialog.close(); } else { keepSession(); }
  });
  close.addEventListener("click", function () { dialog.close(); });

  record(lastRequest);
  timer = window.setInterval(check, 1000);
}());
