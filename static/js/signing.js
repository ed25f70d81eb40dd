// The BankID signing in progress (templates/signing/_progress.html), on the
// staff member's page and on the participant's.
//
// About once a second the page asks the server (data-signing-status) for
// the order's state: the server collects from BankID (at most once a second
// per order), and answers BankID's user message and, while a QR code is in
// use, the code for this second as SVG. The QR secret never reaches the
// browser. The message is in a live region, changed only when its text
// changes, so screen readers announce each new message once.
(function () {
  "use strict";
  var box = document.querySelector("[data-signing-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-signing-status");
  var qr = box.querySelector("[data-signing-qr]");
  var message = box.querySelector("[data-signing-message]");
  var cancel = box.querySelector("[data-signing-cancel]");
  var next = box.querySelector("[data-signing-next]");
  var again = box.querySelector("[data-signing-again]");
  var autostart = box.querySelector("[data-signing-autostart]");
  var errorText = box.getAttribute("data-error-text");
  var failures = 0;

  function say(text) {
    if (text && message.textContent !== text) { message.textContent = text; }
  }

  function show(state) {
    // Server-made SVG (segno), never text from the browser or from BankID.
    qr.innerHTML = state.qr || "";
    say(state.message);
    var pending = state.state === "pending";
    if (cancel) { cancel.hidden = !pending; }
    if (autostart) { autostart.hidden = !pending; }
    if (again) { again.hidden = pending || state.state === "complete"; }
    if (next) {
      next.hidden = state.state !== "complete";
      if (state.next) { next.setAttribute("href", state.next); }
    }
    if (state.state === "complete" && state.next) {
      window.setTimeout(function () { window.location.assign(state.next); }, 1500);
    }
    return pending;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok && response.status !== 404) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        if (show(state)) { window.setTimeout(poll, 1000); }
      })
      .catch(function () {
        failures += 1;
        say(errorText);
        if (failures < 30) { window.setTimeout(poll, 2000); }
      });
  }

  if (cancel && !cancel.hidden) { window.setTimeout(poll, 1000); }
}());
