// The part of Playwright's selector and actionability rules the console's journey uses, run in
// Firefox's page: CSS (with :has, which Firefox has) plus Playwright's :has-text('…') (the element's
// text contains it, case-insensitively) and :text-is('…') (its whole text is it), chained locators
// with .first, and the visibility/enabled checks an action waits for.
(() => {
  const PSEUDO = /:(has-text|text-is)\((['"])(.*?)\2\)/g;
  const normal = (text) => (text || "").replace(/\s+/g, " ").trim();

  // Each text pseudo-class becomes a marker attribute on the elements it matches, for one query.
  function queryAll(root, selector) {
    const marks = [];
    const css = selector.replace(PSEUDO, (_, kind, quote, wanted) => {
      const attr = `data-console-test-${marks.length}`;
      marks.push({ attr, kind, wanted: normal(wanted) });
      return `[${attr}]`;
    });
    const doc = root.ownerDocument || root;
    for (const { attr, kind, wanted } of marks) {
      for (const el of doc.querySelectorAll("*")) {
        const own = normal(el.textContent);
        const hit = kind === "text-is" ? own === wanted : own.toLowerCase().includes(wanted.toLowerCase());
        if (hit) el.setAttribute(attr, "");
      }
    }
    try {
      return [...root.querySelectorAll(css)];
    } finally {
      for (const { attr } of marks) for (const el of doc.querySelectorAll(`[${attr}]`)) el.removeAttribute(attr);
    }
  }

  // chain: [[selector, nth or null], ...] as page.locator(a).locator(b).first builds it
  function resolve(chain) {
    let roots = [document];
    for (const [selector, nth] of chain) {
      let found = [];
      for (const root of roots) for (const el of queryAll(root, selector)) if (!found.includes(el)) found.push(el);
      if (nth !== null) found = found.length > nth ? [found[nth]] : [];
      roots = found;
    }
    return roots;
  }

  function visible(el) {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
  }

  // why an action cannot run on the element yet, or "" when it can (after scrolling it into view)
  function notActionable(el, editable) {
    if (!el.isConnected) return "detached";
    if (!visible(el)) return "not visible";
    if (el.disabled || el.closest("fieldset[disabled]")) return "disabled";
    if (editable && el.readOnly) return "read-only";
    el.scrollIntoView({ block: "center", inline: "center" });
    const box = el.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    if (hit && hit !== el && !el.contains(hit) && !hit.contains(el)) return "covered by another element";
    return "";
  }

  // "print" rules apply as if on screen and "screen" rules not, or back: the media type emulated
  function emulateMedia(media) {
    const swap = (text) => text.replace(/\b(print|screen)\b/g, (m) => (m === "print" ? "screen" : "print"));
    const wanted = media === "print";
    if (Boolean(document.documentElement.dataset.consoleTestPrint) === wanted) return;
    const walk = (rules) => {
      for (const rule of rules) {
        if (rule.media && rule.cssRules) rule.media.mediaText = swap(rule.media.mediaText);
        if (rule.cssRules) walk(rule.cssRules);
      }
    };
    for (const sheet of document.styleSheets) {
      if (sheet.ownerNode && sheet.ownerNode.media) sheet.ownerNode.media = swap(sheet.ownerNode.media);
      walk(sheet.cssRules);
    }
    if (wanted) document.documentElement.dataset.consoleTestPrint = "1";
    else delete document.documentElement.dataset.consoleTestPrint;
  }

  return { resolve, visible, notActionable, emulateMedia };
})()
