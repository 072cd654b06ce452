// Small progressive enhancements; everything works without them (and no inline script: CSP).
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

// The header's navigation folds into a menu when it does not fit on the header's row; without
// script the links wrap and stay in view.
(() => {
  const bar = document.querySelector("[data-topbar]");
  const toggle = bar && bar.querySelector("[data-nav-toggle]");
  if (!toggle) return;
  const nav = bar.querySelector(".mainnav");
  bar.classList.add("nav-collapsible");
  // Fold below 1080 px, or whenever the links do not fit beside the rest of the header.
  const fit = () => {
    bar.classList.remove("nav-overflow");
    const folded = window.innerWidth <= 1080 || (nav && nav.scrollWidth > nav.clientWidth + 1);
    bar.classList.toggle("nav-overflow", folded);
    if (!folded) setOpen(false);
  };
  const setOpen = (open) => {
    bar.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => setOpen(!bar.classList.contains("nav-open")));
  fit();
  window.addEventListener("resize", fit);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && bar.classList.contains("nav-open")) { setOpen(false); toggle.focus(); }
  });
  document.addEventListener("click", (event) => {
    if (!bar.contains(event.target)) setOpen(false);
  });
})();

// An open <details> menu closes on a click elsewhere or on Escape.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    menu.removeAttribute("open");
    menu.querySelector("summary").focus();
  });
});

// Tables scroll inside their card: each table gets a .table-scroll wrapper, and a wrapper that
// really scrolls becomes a focusable, named region so keyboard users can scroll it too.
const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
function scrollRegions(root) {
  root.querySelectorAll("table.table").forEach((table) => {
    if (table.parentElement.classList.contains("table-scroll")) return;
    const wrap = document.createElement("div");
    wrap.className = "table-scroll";
    table.parentNode.insertBefore(wrap, table);
    wrap.appendChild(table);
  });
  markScrollable(root);
}
function markScrollable(root) {
  root.querySelectorAll(".table-scroll, .table, pre, .subnav, .chart-scroll").forEach((el) => {
    const scrolls = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible";
    if (scrolls && !el.hasAttribute("tabindex") && !el.querySelector(FOCUSABLE)) {
      el.setAttribute("tabindex", "0");
      el.setAttribute("data-scroll-region", "");
      if (!el.hasAttribute("aria-label") && !el.hasAttribute("role")) {
        const caption = el.querySelector("caption");
        el.setAttribute("role", "region");
        el.setAttribute("aria-label", (caption && caption.textContent.trim()) || document.title);
      }
    } else if (!scrolls && el.hasAttribute("data-scroll-region")) {
      el.removeAttribute("tabindex");
      el.removeAttribute("data-scroll-region");
    }
  });
}
scrollRegions(document);
document.addEventListener("htmx:afterSettle", () => scrollRegions(document));
let resizeTimer;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => markScrollable(document), 150);
});
