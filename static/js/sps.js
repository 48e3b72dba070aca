// Behaviour shared by every page, kept out of the HTML so that the Content-Security-Policy can forbid inline script.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-action=print]")) {
    window.print();
  }
});

// A form that was not saved: start at its error summary (templates/includes/error_summary.html).
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
