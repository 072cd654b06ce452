// Small progressive enhancements; everything works without them.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("[data-autosubmit]")) el.form.requestSubmit();
});
document.addEventListener("submit", (event) => {
  const msg = event.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  const btn = event.target.closest("[data-copy]");
  if (!btn) return;
  const target = document.getElementById(btn.getAttribute("data-copy"));
  if (target && navigator.clipboard) navigator.clipboard.writeText(target.textContent.trim());
});
