// The referral form: show at once which criterion an answer fails. The
// server checks the same rules and refuses an ineligible referral; this is
// only an early hint, and the form works without it.
(function () {
  "use strict";
  var form = document.getElementById("referral-form");
  var hint = document.getElementById("eligibility-hint");
  if (!form || !hint) { return; }

  function answer(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : null;
  }

  function update() {
    var problems = [];
    if (answer("needs_deeper_support") === "nej") {
      problems.push("Personen ska vara bedömd att behöva fördjupat stöd.");
    }
    if (answer("other_af_intervention") === "ja") {
      problems.push("Personen får inte vara anvisad till en annan insats via Arbetsförmedlingen.");
    }
    var a = [answer("registered_jobseeker"), answer("social_assistance")];
    var b = [answer("jobseeker_category_14"), answer("sick_leave_ending")];
    var aFails = a.indexOf("nej") !== -1;
    var bFails = b.indexOf("nej") !== -1;
    if (aFails && bFails) {
      problems.push("Inget av villkorsparen (a) eller (b) är uppfyllt.");
    }
    hint.textContent = problems.length ? "Kriterierna är inte uppfyllda: " + problems.join(" ") : "";
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
