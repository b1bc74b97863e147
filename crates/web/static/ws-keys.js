// Keyboard shortcuts of the workspace; `?` lists them.

import { $, typingInField } from "./ws-dom.js";

/** actions: `next()`, `previous()`, `reply()`, `resolve()`, `back()`. */
export function installShortcuts(actions) {
  const help = $("ws-help");
  $("ws-help-open").addEventListener("click", () => showHelp(help));
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented) return;
    const key = event.key;
    if ((event.ctrlKey || event.metaKey) && event.shiftKey && (key === "E" || key === "e")) {
      event.preventDefault();
      actions.resolve();
      return;
    }
    if (event.altKey && !event.ctrlKey && !event.metaKey && (key === "ArrowDown" || key === "ArrowUp")) {
      event.preventDefault();
      if (key === "ArrowDown") actions.next();
      else actions.previous();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typingInField(event.target) || (help && help.open)) return;
    switch (key) {
      case "j":
        event.preventDefault();
        actions.next();
        break;
      case "k":
        event.preventDefault();
        actions.previous();
        break;
      case "r":
        event.preventDefault();
        actions.reply();
        break;
      case "?":
        event.preventDefault();
        showHelp(help);
        break;
      case "Escape":
        actions.back();
        break;
    }
  });
}

function showHelp(help) {
  if (!help) return;
  if (typeof help.showModal === "function") {
    if (!help.open) help.showModal();
  } else {
    help.setAttribute("open", "");
  }
}
