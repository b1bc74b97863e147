// DOM helpers of the agent workspace. Text from the server (names, messages, URLs) only ever enters
// the page through textContent and element attributes set here — never as HTML.

const root = document.getElementById("workspace") || document.querySelector("[data-module-root]");
const strings = (() => {
  try {
    return JSON.parse(root ? root.dataset.strings || "{}" : "{}");
  } catch (_) {
    return {};
  }
})();

/** The page's settings, from the data attributes the server rendered. */
export const page = {
  root,
  csrf: root ? root.dataset.csrf || "" : "",
  userId: root ? root.dataset.userId || "" : "",
  userName: root ? root.dataset.userName || "" : "",
  teamIds: root && root.dataset.teamIds ? root.dataset.teamIds.split(",").filter(Boolean) : [],
  timeZone: root ? root.dataset.timeZone || "UTC" : "UTC",
  locale: root ? root.dataset.locale || "en" : "en",
  canAssign: root ? root.dataset.canAssign === "true" : false,
};

/** The translated string of `key`, with `{name}` placeholders filled from `vars`. */
export function t(key, vars) {
  let text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
  if (vars) {
    for (const [name, value] of Object.entries(vars)) text = text.split("{" + name + "}").join(String(value));
  }
  return text;
}

/** True when the catalogue has `key` (for keys built from values, such as channel kinds). */
export function has(key) {
  return Object.prototype.hasOwnProperty.call(strings, key);
}

/**
 * Creates an element. `props`: `class`, `text` (textContent), `dataset` (object), `on` (event
 * listeners), anything else as an attribute. Children: nodes, or strings (as text nodes).
 */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "on") for (const [type, listener] of Object.entries(value)) node.addEventListener(type, listener);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function $(id) {
  return document.getElementById(id);
}

/**
 * A URL safe to link to or load: http(s) on any host, or a path on this server. Anything else
 * (`javascript:`, `data:`, protocol-relative `//host`) is null.
 */
export function safeUrl(text, sameOriginOnly) {
  if (typeof text !== "string" || text === "") return null;
  try {
    const url = new URL(text, window.location.origin);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (sameOriginOnly && url.origin !== window.location.origin) return null;
    if (text.startsWith("//")) return null;
    return url.href;
  } catch (_) {
    return null;
  }
}

/** A link that opens in a new tab, or plain text when the URL is not http(s). */
export function link(url, label) {
  const href = safeUrl(url);
  if (!href) return el("span", { text: label || url || "" });
  return el("a", { href, target: "_blank", rel: "noopener noreferrer nofollow", text: label || href });
}

const timeFormat = new Intl.DateTimeFormat(page.locale, { hour: "2-digit", minute: "2-digit", timeZone: safeZone() });
const dateFormat = new Intl.DateTimeFormat(page.locale, { month: "short", day: "numeric", timeZone: safeZone() });
const fullFormat = new Intl.DateTimeFormat(page.locale, { dateStyle: "medium", timeStyle: "short", timeZone: safeZone() });

function safeZone() {
  try {
    new Intl.DateTimeFormat("en", { timeZone: page.timeZone });
    return page.timeZone;
  } catch (_) {
    return "UTC";
  }
}

/** Today: the time; else the date. */
export function shortTime(iso) {
  const date = iso ? new Date(iso) : null;
  if (!date || isNaN(date.getTime())) return "";
  const sameDay = dateFormat.format(date) === dateFormat.format(new Date()) && Date.now() - date.getTime() < 86400000;
  return sameDay ? timeFormat.format(date) : dateFormat.format(date);
}

export function fullTime(iso) {
  const date = iso ? new Date(iso) : null;
  return date && !isNaN(date.getTime()) ? fullFormat.format(date) : "";
}

/** 1536 → "1.5 KB". */
export function fileSize(bytes) {
  if (typeof bytes !== "number" || !isFinite(bytes)) return "";
  if (bytes < 1024) return bytes + " B";
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
  return (bytes / 1024 / 1024).toFixed(1) + " MB";
}

/** A random id for idempotent sends. */
export function clientId() {
  if (window.crypto && crypto.randomUUID) return "w-" + crypto.randomUUID();
  return "w-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
}

/** True when keyboard focus is in something one types into. */
export function typingInField(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
}
