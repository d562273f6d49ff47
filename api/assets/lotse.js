// Lotse pages: progressive enhancement. Every page works without this
// script (server-rendered forms and results); with it, the finder's results
// follow the form as it changes, the dashboard redraws in place when a
// filter changes, and the map shows a tooltip under the pointer. No
// framework, no build step; served from /assets/ under the pages' CSP.
"use strict";

(function () {
  // Fetches a page of this site and returns it parsed.
  async function fetchPage(url) {
    const response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    const text = await response.text();
    return new DOMParser().parseFromString(text, "text/html");
  }

  // The form's fields as a query (what a plain submit would send).
  function queryOf(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }

  // Replaces the element with `id` by the one in `doc` (or removes it).
  function swap(doc, id, where) {
    const fresh = doc.getElementById(id);
    const old = document.getElementById(id);
    if (old && fresh) old.replaceWith(document.importNode(fresh, true));
    else if (old) old.remove();
    else if (fresh && where) where(document.importNode(fresh, true));
  }

  // Marks the fields the server found at fault, as the page would.
  function syncFields(doc, form) {
    for (const field of form.querySelectorAll("[id]")) {
      const fresh = doc.getElementById(field.id);
      if (!fresh || fresh.tagName !== field.tagName) continue;
      for (const name of ["aria-invalid", "aria-describedby"]) {
        const value = fresh.getAttribute(name);
        if (value === null) field.removeAttribute(name);
        else field.setAttribute(name, value);
      }
    }
    for (const old of form.querySelectorAll(".field-error")) old.remove();
    for (const fresh of doc.querySelectorAll("#finder .field-error")) {
      const anchor = document.getElementById(fresh.id.replace(/-error$/, ""));
      if (!anchor) continue;
      const copy = document.importNode(fresh, true);
      if (anchor.tagName === "FIELDSET") anchor.querySelector("legend").after(copy);
      else anchor.after(copy);
    }
  }

  // A loader for `form` whose answers may arrive out of order: only the
  // newest request's page is shown (`show`), older ones are dropped, and
  // the form is busy while any is under way.
  function loader(form) {
    let latest = 0;
    return async function (url, show) {
      const ticket = ++latest;
      form.setAttribute("aria-busy", "true");
      try {
        const doc = await fetchPage(url);
        if (ticket === latest) show(doc);
      } finally {
        if (ticket === latest) form.removeAttribute("aria-busy");
      }
    };
  }

  function finder(form) {
    const status = document.getElementById("status");
    const load = loader(form);
    let timer = null;
    async function update(focus) {
      const region = form.elements.region.value.trim();
      const role = form.elements.role.value;
      const query = queryOf(form);
      if (!focus && (!region || !role)) {
        // An incomplete profile: results for the former one would mislead.
        const outcome = document.getElementById("outcome");
        if (outcome) outcome.remove();
        history.replaceState(null, "", "/finder?" + query);
        return;
      }
      try {
        await load("/finder?" + query, (doc) => {
          swap(doc, "errors", (node) => form.before(node));
          swap(doc, "outcome");
          syncFields(doc, form);
          history.replaceState(null, "", "/finder?" + query);
          const heading = document.getElementById("found");
          const errors = document.getElementById("errors");
          if (status) status.textContent = heading ? heading.textContent : errors ? errors.textContent.trim() : "";
          if (focus) (errors || heading || form).focus();
        });
      } catch (err) {
        // Offline or the server away: a plain submit shows what happened.
        if (focus) form.submit();
      }
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      update(true);
    });
    form.addEventListener("change", () => {
      clearTimeout(timer);
      timer = setTimeout(() => update(false), 250);
    });
  }

  function dashboard(form) {
    const status = document.getElementById("status");
    const load = loader(form);
    async function redraw() {
      const query = queryOf(form);
      try {
        await load("/dashboard?" + query, (doc) => {
          swap(doc, "board");
          history.replaceState(null, "", "/dashboard?" + query);
          const summary = document.getElementById("summary");
          if (status && summary) status.textContent = summary.textContent;
          tooltips();
        });
      } catch (err) {
        form.submit();
      }
    }
    form.addEventListener("change", redraw);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      redraw();
    });
  }

  // A tooltip that follows the pointer over the map's districts (the
  // districts' <title> serves where this script does not run; the table
  // serves the keyboard and screen readers).
  function tooltips() {
    const map = document.getElementById("map");
    if (!map) return;
    let tip = document.getElementById("tip");
    if (!tip) {
      tip = document.createElement("div");
      tip.id = "tip";
      tip.className = "tip";
      tip.hidden = true;
      tip.setAttribute("aria-hidden", "true");
      document.body.append(tip);
    }
    map.addEventListener("pointermove", (event) => {
      const area = event.target.closest("path[data-name]");
      if (!area) {
        tip.hidden = true;
        return;
      }
      tip.textContent = area.dataset.name + ": " + area.dataset.count;
      tip.hidden = false;
      tip.style.left = event.pageX + 12 + "px";
      tip.style.top = event.pageY + 12 + "px";
    });
    map.addEventListener("pointerleave", () => {
      tip.hidden = true;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const live = document.querySelector("form[data-live]");
    if (live) finder(live);
    const filters = document.querySelector("form[data-autosubmit]");
    if (filters) dashboard(filters);
    tooltips();
  });
})();
