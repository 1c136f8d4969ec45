/** Printable pages (letters, reports): the 打印 button, without inline script (the CSP forbids it). */
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
