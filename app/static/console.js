/* Moves focus to the error summary after a form with errors comes back, as GOV.UK does, so a
   screen-reader or keyboard user hears what went wrong first and can follow its links. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
})();
