// The referral form: show at once which criterion an answer fails. The
// server checks the same rules and refuses an ineligible referral; this is
// only an early hint, and the form works without it. Its texts come from
// the template's data attributes, translated there (no text in this file).
(function () {
  "use strict";
  var form = document.getElementById("referral-form");
  var hint = document.getElementById("eligibility-hint");
  if (!form || !hint) { return; }

  function answer(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : null;
  }

  function text(name) {
    return hint.getAttribute("data-" + name) || "";
  }

  function update() {
    var problems = [];
    if (answer("needs_deeper_support") === "nej") {
      problems.push(text("needs-deeper-support"));
    }
    if (answer("other_af_intervention") === "ja") {
      problems.push(text("other-af-intervention"));
    }
    var a = [answer("registered_jobseeker"), answer("social_assistance")];
    var b = [answer("jobseeker_category_14"), answer("sick_leave_ending")];
    var aFails = a.indexOf("nej") !== -1;
    var bFails = b.indexOf("nej") !== -1;
    if (aFails && bFails) {
      problems.push(text("no-condition-pair"));
    }
    hint.textContent = problems.length ? text("intro") + " " + problems.join(" ") : "";
    hint.classList.toggle("d-none", problems.length === 0);
  }

  form.addEventListener("change", update);
  // A double click sends the form once.
  form.addEventListener("submit", function () {
    var button = document.getElementById("referral-submit");
    if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
  });
  update();
}());
