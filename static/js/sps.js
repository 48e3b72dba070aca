// Behaviour shared by every page, kept out of the HTML so that the Content-Security-Policy can forbid inline script.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-action=print]")) {
    window.print();
  }
});
