// The realtime connection (docs/protocol.md): `hello` with the session (the page's CSRF token in the
// address), heartbeat answers, reconnection with growing back-off. What to (re)subscribe and resend
// after each `welcome` is the caller's job (`onWelcome`).

import { page } from "./ws-dom.js";

const MAX_BACKOFF_MS = 30000;

export class RealtimeSocket {
  /**
   * handlers: `onWelcome(welcome)`, `onFrame(frame)`, `onState(state)` with state one of
   * `connecting`, `open`, `offline`, `signed_out`. options: `presence: false` for a page that must
   * not make the user available (a monitoring screen).
   */
  constructor(handlers, options) {
    this.handlers = handlers;
    this.options = options || {};
    this.socket = null;
    this.ready = false;
    this.attempt = 0;
    this.timer = null;
    this.nextRef = 1;
    this.lastHeard = Date.now();
    this.heartbeatMs = 25000;
    this.stopped = false;
    /** Frame types an older server refused as unknown: not sent again. */
    this.unsupported = new Set();
    window.setInterval(() => this.watchdog(), 5000);
    window.addEventListener("online", () => this.reconnectSoon(0));
  }

  start() {
    this.connect();
  }

  url() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + "/ws?csrf=" + encodeURIComponent(page.csrf);
  }

  connect() {
    if (this.stopped) return;
    window.clearTimeout(this.timer);
    this.timer = null;
    this.ready = false;
    this.handlers.onState("connecting");
    let socket;
    try {
      socket = new WebSocket(this.url(), "switchboard.v1");
    } catch (_) {
      this.reconnectSoon();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.lastHeard = Date.now();
      const hello = { type: "hello", ref: "hello", auth: { kind: "session" } };
      if (this.options.presence === false) hello.presence = false;
      this.raw(hello);
    });
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      this.lastHeard = Date.now();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      this.receive(frame);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.ready = false;
      if (event.code === 4401 || event.code === 4403) {
        this.checkSession();
      } else {
        this.reconnectSoon();
      }
    });
  }

  receive(frame) {
    switch (frame.type) {
      case "welcome":
        this.ready = true;
        this.attempt = 0;
        if (frame.heartbeat_seconds > 0) this.heartbeatMs = frame.heartbeat_seconds * 1000;
        this.handlers.onState("open");
        this.handlers.onWelcome(frame);
        return;
      case "ping":
        this.raw({ type: "pong", t: frame.t });
        return;
      case "pong":
        return;
      case "error": {
        const unknown = /unknown variant `([a-z_]+)`/.exec(frame.message || "");
        if (frame.code === "malformed_frame" && unknown) this.unsupported.add(unknown[1]);
        break;
      }
    }
    this.handlers.onFrame(frame);
  }

  /** The session may have ended: then say so and stop; else keep trying. */
  async checkSession() {
    try {
      const answer = await fetch("/api/v1/me", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (answer.status === 401) {
        this.stopped = true;
        this.handlers.onState("signed_out");
        return;
      }
    } catch (_) {
      // Offline: retry below.
    }
    this.reconnectSoon();
  }

  reconnectSoon(delay) {
    if (this.stopped) return;
    this.handlers.onState("offline");
    window.clearTimeout(this.timer);
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.attempt, 5));
    const wait = delay !== undefined ? delay : backoff / 2 + Math.random() * (backoff / 2);
    this.attempt += 1;
    this.timer = window.setTimeout(() => this.connect(), wait);
  }

  /** A connection silent for three heartbeats is dead even if the browser has not noticed. */
  watchdog() {
    if (this.socket && this.ready && Date.now() - this.lastHeard > this.heartbeatMs * 3) {
      const dead = this.socket;
      this.socket = null;
      this.ready = false;
      try {
        dead.close(4000, "silent");
      } catch (_) {
        // Already closed.
      }
      this.reconnectSoon(0);
    }
  }

  raw(frame) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Sends a frame once authenticated, with a fresh `ref`; returns the ref, or null when offline. */
  send(frame) {
    if (!this.ready || this.unsupported.has(frame.type)) return null;
    const ref = String(this.nextRef++);
    return this.raw(Object.assign({ ref }, frame)) ? ref : null;
  }

  /** A frame without answer (typing, read, presence); false when offline or not supported. */
  notify(frame) {
    if (!this.ready || this.unsupported.has(frame.type)) return false;
    return this.raw(frame);
  }

  get isOpen() {
    return this.ready;
  }
}
