/* The closure tab: show only the fields that fit the answers given so far.
   Without JavaScript every field shows and the server checks the answers. */
(function () {
  "use strict";

  function toggle(wrapperId, show) {
    var wrapper = document.getElementById(wrapperId);
    // A field the server found fault with stays in view.
    if (wrapper && !wrapper.querySelector(".is-invalid, .invalid-feedback")) {
      wrapper.hidden = !show;
    }
  }

  function checkedValue(name) {
    var input = document.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function closureForm() {
    var reason = checkedValue("avslut-reason");
    toggle("div_id_avslut-result", reason !== "ovriga");
    toggle("div_id_avslut-other_reason", reason === "" || reason === "ovriga");
  }

  function followUpForm() {
    var reached = checkedValue("uppfoljning-reached");
    toggle("div_id_uppfoljning-self_supporting", reached !== "nej");
    toggle("div_id_uppfoljning-working", reached !== "nej");
    var extended = document.getElementById("id_uppfoljning-extended_support");
    if (extended) {
      toggle("div_id_uppfoljning-extended_support_until", extended.checked);
    }
  }

  document.addEventListener("change", function (event) {
    var name = event.target.name || "";
    if (name.indexOf("avslut-") === 0) {
      closureForm();
    } else if (name.indexOf("uppfoljning-") === 0) {
      followUpForm();
    }
  });
  closureForm();
  followUpForm();
})();
