// The REST API under /api/v1 with the page's session: the CSRF token on every unsafe request.

import { page } from "./ws-dom.js";

export class ApiError extends Error {
  constructor(status, code, message, fields) {
    super(message || code || "HTTP " + status);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

async function answer(response) {
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body && body.error) || {};
    throw new ApiError(response.status, error.code, error.message, error.fields);
  }
  return body;
}

/** `GET`/`POST` a JSON body; resolves to the parsed answer, rejects with an ApiError. */
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = page.csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch("/api/v1" + path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer(response);
}

/** Uploads a file as the raw body; resolves to the attachment ({id, name, content_type, size, url}). */
export async function upload(conversationId, file) {
  const name = file.name || "pasted-" + Date.now() + "." + ((file.type || "").split("/")[1] || "bin");
  const query = "conversation_id=" + encodeURIComponent(conversationId) + "&name=" + encodeURIComponent(name);
  const response = await fetch("/api/v1/attachments?" + query, {
    method: "POST",
    headers: {
      Accept: "application/json",
      "Content-Type": file.type || "application/octet-stream",
      "X-CSRF-Token": page.csrf,
    },
    credentials: "same-origin",
    body: file,
  });
  return answer(response);
}

/** Every item of a paginated list (`{data, next_cursor}`), up to `max` items. */
export async function listAll(path, max) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const url = path + separator + "limit=200" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
    const result = await api("GET", url);
    const data = Array.isArray(result) ? result : (result && result.data) || [];
    items.push(...data);
    cursor = result && !Array.isArray(result) ? result.next_cursor : null;
  } while (cursor && items.length < (max || 1000));
  return items;
}
